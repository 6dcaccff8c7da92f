# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo tests of the cash register model, its buttons, lock and circuit breaker."""

from . import test_kkt_device
from . import test_kkt_device_actions
from . import test_kkt_device_breaker
from . import test_kkt_device_bus
from . import test_kkt_device_lock
from . import test_kkt_device_receipts
from . import test_kkt_device_settings
from . import test_kkt_device_tour
from . import test_translations
