# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Claims of new POS orders, so that two syncs of one order running at the same
time create it once (see ``pos.order._ru54fz_claim_new_order``)."""

from odoo import fields, models


class Ru54fzPosOrderClaim(models.Model):
    _name = "ru54fz.pos.order.claim"
    _description = "New POS order claimed by a sync"
    _log_access = False

    key = fields.Char(
        required=True,
        help="Hash of the order's name, lines and payments: what Odoo compares "
        "to tell whether a synced order is one it already has.",
    )
    claimed_at = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("key_unique", "unique(key)", "This POS order was already claimed."),
    ]
