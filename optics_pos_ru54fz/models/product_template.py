# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payment method (tag 1214) and payment subject (tag 1212) of each product."""

from odoo import fields, models

PAYMENT_METHOD_SELECTION = [
    ("1", "Full prepayment"),
    ("2", "Partial prepayment"),
    ("3", "Advance"),
    ("4", "Full payment"),
    ("5", "Partial payment and credit"),
    ("6", "Transfer on credit"),
    ("7", "Credit payment"),
]

PAYMENT_SUBJECT_SELECTION = [
    ("1", "Goods"),
    ("2", "Excise goods"),
    ("3", "Work"),
    ("4", "Service"),
    ("10", "Payment"),
    ("13", "Other"),
    ("32", "Goods without marking code"),
    ("33", "Goods with marking code"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    kkt_payment_method = fields.Selection(
        PAYMENT_METHOD_SELECTION,
        string="Fiscal Payment Method",
        default="4",
        required=True,
        help="Payment method printed on fiscal receipts for this product (tag 1214).",
    )
    kkt_payment_subject = fields.Selection(
        PAYMENT_SUBJECT_SELECTION,
        string="Fiscal Payment Subject",
        default="1",
        required=True,
        help="What is sold, printed on fiscal receipts for this product (tag 1212).",
    )
