# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Whether a POS payment method is cash or electronic on the fiscal receipt."""

from odoo import api, fields, models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    kkt_payment_kind = fields.Selection(
        [("cash", "Cash"), ("electronic", "Electronic")],
        string="Fiscal Payment Kind",
        compute="_compute_kkt_payment_kind",
        store=True,
        readonly=False,
        help="How the cash register (KKT) records payments made with this method: "
        "cash (tag 1031) or electronic (tag 1081).",
    )

    @api.depends("is_cash_count")
    def _compute_kkt_payment_kind(self):
        for method in self:
            method.kkt_payment_kind = "cash" if method.is_cash_count else "electronic"
