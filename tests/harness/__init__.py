# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""External-server test harness: real Odoo processes with the real queue_job
runner on throw-away databases copied from a cached template."""

from tools.pos import PosSetup, configure_pos, order_line, paid_order
from tools.rpc import RpcClient, RpcError, pos_order_payload
from tools.server import DEFAULT_CHANNELS, OdooServer, free_port

from .external import CRON_WORKER, HTTP_WORKER, RUNNER_WORKER, ExternalOdoo

__all__ = [
    "CRON_WORKER",
    "DEFAULT_CHANNELS",
    "HTTP_WORKER",
    "RUNNER_WORKER",
    "ExternalOdoo",
    "OdooServer",
    "PosSetup",
    "RpcClient",
    "RpcError",
    "configure_pos",
    "free_port",
    "order_line",
    "paid_order",
    "pos_order_payload",
]
