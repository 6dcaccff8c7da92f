# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One line per call to a cash register: operation, duration and outcome.

Traces carry no fiscal data, passwords or buyer contacts; they are purged daily.
"""

from odoo import api, fields, models

OUTCOMES = [
    ("ok", "Done"),
    ("retry", "Failed, retry later"),
    ("person", "Failed, needs a person"),
    ("invalid", "Refused before sending"),
]


class KktDeviceTrace(models.Model):
    _name = "kkt.device.trace"
    _description = "Cash register call trace"
    _order = "id desc"

    device_id = fields.Many2one(
        "kkt.device", required=True, ondelete="cascade", index=True, readonly=True
    )
    operation = fields.Char(required=True, readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    message = fields.Char(readonly=True)

    @api.model
    def _purge(self, retention_days):
        """Delete traces older than ``retention_days``; return how many.

        Only this table is touched: fiscal data lives on the orders.
        """
        self.env.cr.execute(
            """
            DELETE FROM kkt_device_trace
             WHERE create_date < (now() AT TIME ZONE 'UTC')
                                 - make_interval(days => %s)
            """,
            (retention_days,),
        )
        return self.env.cr.rowcount
