# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How a POS payment method is recorded on the fiscal receipt: cash, electronic,
or credit (a sale on the customer's account)."""

from odoo import api, fields, models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    kkt_payment_kind = fields.Selection(
        [
            ("cash", "Cash"),
            ("electronic", "Electronic"),
            ("credit", "Customer account (credit)"),
        ],
        string="Fiscal Payment Kind",
        compute="_compute_kkt_payment_kind",
        store=True,
        readonly=False,
        help="How the cash register (KKT) records payments made with this method: "
        "cash (tag 1031), electronic (tag 1081), or credit (tag 1216) for a sale "
        "on the customer's account, paid later.",
    )

    @api.depends("is_cash_count", "type")
    def _compute_kkt_payment_kind(self):
        for method in self:
            if method.is_cash_count:
                method.kkt_payment_kind = "cash"
            elif method.type == "pay_later":
                method.kkt_payment_kind = "credit"
            else:
                method.kkt_payment_kind = "electronic"
