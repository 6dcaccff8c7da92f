# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Choose the cash register (KKT) of a point of sale from the POS settings."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_kkt_device_id = fields.Many2one(
        related="pos_config_id.kkt_device_id", readonly=False
    )
