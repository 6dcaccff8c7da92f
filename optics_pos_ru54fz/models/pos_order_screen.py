# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""POS orders as the POS screen sees them: fiscal data in the order export, the
buyer contact typed on the payment screen, and live fiscal state on the bus.
"""

from odoo import api, fields, models

# Writes of these fields change what the POS screen shows; the job writes the
# attempt counter when it starts printing.
NOTIFY_FIELDS = (
    "fiscal_state",
    "fiscal_attempts",
    "fiscal_search_from_fd",
    "fiscal_fd_number",
    "fiscal_sign",
    "fiscal_fn_serial",
    "fiscal_shift_number",
    "fiscal_receipt_number",
    "fiscal_datetime",
    "fiscal_qr",
    "fiscal_last_error",
)
FISCAL_JOB = "_ru54fz_fiscalise"


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model
    def _order_fields(self, ui_order):
        values = super()._order_fields(ui_order)
        contact = ui_order.get("fiscal_buyer_contact")
        if contact:
            values["fiscal_buyer_contact"] = contact
        return values

    @api.model
    def ru54fz_check_fiscal_payload(self, order_json):
        """Return the messages that keep the POS from validating the order.

        The RPC entry point of the payment screen: the same check the fiscal
        job makes, run before payment is taken. Empty when the order is fine.
        """
        return self._ru54fz_check_fiscal_payload(order_json)

    def ru54fz_pos_retry_fiscal(self):
        """Queue the fiscal receipt again from the POS (managers only).

        :return: the order's fiscal data for the screen
        """
        self.ensure_one()
        self.action_ru54fz_retry_fiscal()
        return self._ru54fz_fiscal_ui_data()

    def _export_for_ui(self, order):
        values = super()._export_for_ui(order)
        values["ru54fz_fiscal"] = order._ru54fz_fiscal_ui_data()
        return values

    def write(self, vals):
        result = super().write(vals)
        if any(name in vals for name in NOTIFY_FIELDS):
            self._ru54fz_notify_pos()
        return result

    def _ru54fz_notify_pos(self):
        """Push the fiscal data of the orders to the open screens of their POS.

        Sent when the data is committed, so a rolled-back job shows nothing.
        """
        for order in self:
            if order.fiscal_state == "not_required":
                continue
            payload = order._ru54fz_fiscal_ui_data()
            for session in order.config_id._ru54fz_open_sessions():
                session._ru54fz_send("RU54FZ_ORDER_FISCAL", payload)

    def _ru54fz_fiscal_ui_data(self):
        """Return the order's fiscal data for the POS screen.

        ``state`` is the order's fiscal state, except ``printing`` while its
        fiscal job is running.
        """
        self.ensure_one()
        state = self.fiscal_state
        if state == "to_send" and self._ru54fz_fiscal_job_running():
            state = "printing"
        return {
            "id": self.id,
            "name": self.pos_reference,
            "state": state,
            "fd_number": self.fiscal_fd_number or False,
            "fiscal_sign": self.fiscal_sign or False,
            "fn_serial": self.fiscal_fn_serial or False,
            "shift_number": self.fiscal_shift_number or False,
            "receipt_number": self.fiscal_receipt_number or False,
            "datetime": fields.Datetime.to_string(self.fiscal_datetime),
            "qr": self.fiscal_qr or False,
            "error": self.fiscal_last_error or False,
        }

    def _ru54fz_fiscal_job_running(self):
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "=", FISCAL_JOB),
                    ("state", "=", "started"),
                    ("func_string", "=like", f"{self._name}({self.id},).%"),
                ],
                limit=1,
            )
        )
