# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Link a point of sale to the cash register (KKT) that prints its receipts."""

from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    kkt_device_id = fields.Many2one(
        "kkt.device",
        string="Cash Register (KKT)",
        ondelete="restrict",
        check_company=True,
        help="Fiscal receipts of this point of sale are printed on this cash register.",
    )
