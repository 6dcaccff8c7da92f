# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a POS config tells its screen about its cash register."""

from odoo import models


class PosConfig(models.Model):
    _inherit = "pos.config"

    def _ru54fz_pos_ui_data(self):
        """Return the KKT data the POS screen loads at start.

        ``kkt`` is False for a config without a cash register: its orders are
        not fiscalised and the screen shows no indicator.
        """
        self.ensure_one()
        device = self.kkt_device_id
        return {
            "kkt": device._kkt_pos_payload() if device else False,
            "can_manage_kkt": self.env.user.has_group(
                "point_of_sale.group_pos_manager"
            ),
        }

    def _ru54fz_open_sessions(self):
        """Return the open sessions whose screen has loaded (has a bus token):
        the ones a bus message can reach."""
        return self.session_ids.filtered(
            lambda session: (
                session.state in ("opening_control", "opened", "closing_control")
                and session.access_token
            )
        )
