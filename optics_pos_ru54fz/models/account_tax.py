# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The KKT tax code of each Odoo tax, guessed from its rate and editable."""

from odoo import api, fields, models

KKT_TAX_CODE_SELECTION = [
    ("vat22", "VAT 22%"),
    ("vat122", "VAT 22/122"),
    ("vat20", "VAT 20%"),
    ("vat120", "VAT 20/120"),
    ("vat10", "VAT 10%"),
    ("vat110", "VAT 10/110"),
    ("vat7", "VAT 7%"),
    ("vat107", "VAT 7/107"),
    ("vat5", "VAT 5%"),
    ("vat105", "VAT 5/105"),
    ("vat0", "VAT 0%"),
    ("none", "No VAT"),
]

# Percent rate -> KKT tax code of a sale at that rate, whether the price
# includes the tax or not.
RATE_CODES = {22: "vat22", 20: "vat20", 10: "vat10", 7: "vat7", 5: "vat5", 0: "vat0"}

# The calculated rate (e.g. 22/122) the KKT needs instead for prepayments and
# advances (payment methods 1 to 3 of tag 1214).
PREPAYMENT_CODES = {
    "vat22": "vat122",
    "vat20": "vat120",
    "vat10": "vat110",
    "vat7": "vat107",
    "vat5": "vat105",
}


def guess_kkt_tax_code(amount_type, amount):
    """Return the KKT tax code matching a percent tax, or False when none does.

    >>> guess_kkt_tax_code("percent", 22.0)
    'vat22'
    >>> guess_kkt_tax_code("percent", 18.0)
    False
    >>> guess_kkt_tax_code("fixed", 10.0)
    False
    """
    if amount_type != "percent" or amount != round(amount):
        return False
    return RATE_CODES.get(int(amount), False)


class AccountTax(models.Model):
    _inherit = "account.tax"

    kkt_tax_code = fields.Selection(
        KKT_TAX_CODE_SELECTION,
        string="KKT Tax Code",
        compute="_compute_kkt_tax_code",
        store=True,
        readonly=False,
        copy=False,
        help="VAT rate printed by the cash register (KKT) for sales with this tax "
        "(tag 1199), whether prices include it or not. Guessed from the rate; "
        "prepayment lines get the calculated rate (e.g. 22/122) automatically. A "
        "POS order with a tax that has no code cannot be fiscalised.",
    )

    @api.depends("amount_type", "amount")
    def _compute_kkt_tax_code(self):
        for tax in self:
            tax.kkt_tax_code = guess_kkt_tax_code(tax.amount_type, tax.amount)
