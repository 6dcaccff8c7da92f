# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""POS session glue: fiscal data loaded into the screen, bus messages to it,
the fiscal check made before the session is closed, and the invoices still
left to jobs made when it closes.
"""

from odoo import _, models
from odoo.exceptions import AccessError, UserError

PENDING_STATES = ("to_send", "failed")


class PosSession(models.Model):
    _inherit = "pos.session"

    def _get_pos_ui_pos_config(self, params):
        config = super()._get_pos_ui_pos_config(params)
        config["ru54fz"] = self.config_id._ru54fz_pos_ui_data()
        return config

    def _validate_session(
        self,
        balancing_account=False,
        amount_to_balance=0,
        bank_payment_method_diffs=None,
    ):
        self._ru54fz_invoice_waiting_orders()
        return super()._validate_session(
            balancing_account=balancing_account,
            amount_to_balance=amount_to_balance,
            bank_payment_method_diffs=bank_payment_method_diffs,
        )

    def _ru54fz_invoice_waiting_orders(self):
        """Invoice the orders whose invoice job has not run yet, so that the
        closing entry leaves them out as it does for orders invoiced at once.

        An order whose invoice cannot be made does not stop the closing: it is
        closed as a sale without invoice, and the order and its managers are
        told why (it can be invoiced from the backend later).
        """
        for order in self.order_ids:
            try:
                with self.env.cr.savepoint():
                    order._ru54fz_invoice_waiting_orders()
            except UserError as error:
                order._ru54fz_record_invoice_error(error)

    def ru54fz_fiscal_info(self, order_ids):
        """Return the fiscal and invoice data of orders of this session's POS,
        by order id.

        The receipt screen and the order list call it after a sync and when the
        screen comes back online.
        """
        self.ensure_one()
        self._ru54fz_check_pos_user()
        orders = (
            self.env["pos.order"]
            .browse(order_ids)
            .exists()
            .filtered(lambda order: order.config_id == self.config_id)
        )
        return {order.id: order._ru54fz_fiscal_ui_data() for order in orders}

    def ru54fz_closing_check(self):
        """Return what the closing popup warns about: fiscal receipts of this
        session still pending, dead-lettered or needing attention, and the cash
        register state.
        """
        self.ensure_one()
        self._ru54fz_check_pos_user()
        orders = self.env["pos.order"].search(
            [
                ("session_id", "=", self.id),
                (
                    "fiscal_state",
                    "in",
                    PENDING_STATES + ("dead_letter", "needs_attention"),
                ),
            ]
        )

        def names(state):
            return orders.filtered(lambda order: order.fiscal_state == state).mapped(
                "name"
            )

        device = self.config_id.kkt_device_id
        return {
            "pending": [
                order.name for order in orders if order.fiscal_state in PENDING_STATES
            ],
            "dead_letter": names("dead_letter"),
            "needs_attention": names("needs_attention"),
            "kkt": device._kkt_pos_payload() if device else False,
        }

    def _ru54fz_send(self, message_type, payload):
        """Send a bus message to the screens of this session.

        The channel carries the session's access token, so only those screens
        receive it.
        """
        self.ensure_one()
        self.env["bus.bus"]._sendone(
            self._get_bus_channel_name(), message_type, payload
        )

    def _ru54fz_check_pos_user(self):
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only POS users may read fiscal receipt data."))
