# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receipts sent to buyers by e-mail or SMS, so that none is sent twice."""

from odoo import fields, models


class Ru54fzReceiptNotification(models.Model):
    _name = "ru54fz.receipt.notification"
    _description = "Receipt sent to a buyer"
    _order = "id desc"

    order_id = fields.Many2one(
        "pos.order", required=True, ondelete="cascade", index=True
    )
    channel = fields.Selection([("email", "E-mail"), ("sms", "SMS")], required=True)
    recipient = fields.Char(required=True)
    digest = fields.Char(
        required=True, help="Hash of the channel, recipient and message text."
    )
    mail_id = fields.Many2one("mail.mail", string="E-mail", ondelete="set null")

    _sql_constraints = [
        (
            "order_digest_unique",
            "unique(order_id, digest)",
            "This receipt was already sent to this recipient.",
        ),
    ]
