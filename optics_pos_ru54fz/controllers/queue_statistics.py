# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queue statistics over HTTP: JSON for POS managers, Prometheus text for
monitoring (bearer token from settings, or a POS manager's session)."""

import hmac

from odoo import http
from odoo.http import request

from ..models.queue_statistics import render_prometheus

MANAGER_GROUP = "point_of_sale.group_pos_manager"
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class QueueStatisticsController(http.Controller):
    @http.route("/ru54fz/queue/stats", type="http", auth="user", methods=["GET"])
    def queue_stats(self):
        """Per-channel statistics and the channel check, as JSON."""
        if not request.env.user.has_group(MANAGER_GROUP):
            return request.make_json_response(
                {"error": "Only Point of Sale managers may read queue statistics."},
                status=403,
            )
        check = request.env["ru54fz.queue.channel.check"]
        problems = check._get_problems()
        return request.make_json_response(
            {
                "channels": request.env["ru54fz.queue.statistics"]
                .sudo()
                ._read_statistics(),
                "channel_setup": check._get_effective_channels(),
                "isolated": not problems,
                "problems": [
                    {"code": problem.code, "message": str(problem.message)}
                    for problem in problems
                ],
            }
        )

    @http.route(
        "/ru54fz/queue/metrics",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def queue_metrics(self):
        """Per-channel statistics in the Prometheus text exposition format."""
        if not self._metrics_allowed():
            return request.make_response(
                "Send the metrics token of the POS settings as a bearer token.\n",
                headers=[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("WWW-Authenticate", 'Bearer realm="ru54fz-metrics"'),
                ],
                status=401,
            )
        rows = request.env["ru54fz.queue.statistics"].sudo()._read_statistics()
        problems = request.env["ru54fz.queue.channel.check"].sudo()._get_problems()
        return request.make_response(
            render_prometheus(rows, len(problems)),
            headers=[("Content-Type", METRICS_CONTENT_TYPE)],
        )

    def _metrics_allowed(self):
        token = (
            request.env["ir.config_parameter"]
            .sudo()
            .get_param("optics_pos_ru54fz.metrics_token")
        )
        authorization = request.httprequest.headers.get("Authorization", "")
        scheme, _sep, offered = authorization.partition(" ")
        if token and scheme.lower() == "bearer" and offered:
            return hmac.compare_digest(offered.strip().encode(), token.encode())
        user = request.env.user
        return not user._is_public() and user.has_group(MANAGER_GROUP)
