# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Record of each SMS the gateway accepted, keyed by its idempotency key."""

from odoo import fields, models


class Ru54fzSmsMessage(models.Model):
    _name = "ru54fz.sms.message"
    _description = "SMS sent through the gateway"
    _order = "id desc"
    _rec_name = "idempotency_key"

    idempotency_key = fields.Char(required=True, readonly=True, index=True)
    gateway_message_id = fields.Char(readonly=True)
    recipient_hint = fields.Char(
        readonly=True, help="Last digits of the phone number, for support."
    )
    sent_at = fields.Datetime(readonly=True, default=fields.Datetime.now)

    _sql_constraints = [
        (
            "idempotency_key_unique",
            "unique(idempotency_key)",
            "An SMS with this idempotency key was already sent.",
        )
    ]

    def _as_send_result(self, duplicate):
        self.ensure_one()
        return {
            "idempotency_key": self.idempotency_key,
            "gateway_message_id": self.gateway_message_id or False,
            "duplicate": duplicate,
        }
