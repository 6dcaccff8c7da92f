# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the server gives the POS screen: cash register state and sale problems,
shift actions and their rights, fiscal data of orders, live bus messages, the
closing check. Against a running emulator; jobs trapped and performed in-process.
"""

import json

from odoo.exceptions import AccessError

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import FiscalPipelineCase

X_REPORT = 0x40


class TestPosScreenData(FiscalPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.device._kkt_refresh_status()

    def _problem_codes(self):
        payload = self.device.ru54fz_pos_refresh()
        return [problem["code"] for problem in payload["problems"]]

    def _bus_messages(self, message_type):
        self.env.cr.precommit.run()
        channel = self.session._get_bus_channel_name()
        messages = self.env["bus.bus"].sudo().search([("channel", "like", channel)])
        return [
            json.loads(bus.message)["payload"]
            for bus in messages
            if json.loads(bus.message)["type"] == message_type
        ]

    def test_pos_loads_cash_register_state_and_who_may_run_shift_actions(self):
        params = self.session._loader_params_pos_config()

        as_manager = self.session.with_user(self.manager)._get_pos_ui_pos_config(params)
        as_cashier = self.session.with_user(self.cashier)._get_pos_ui_pos_config(params)

        self.assertEqual(as_manager["ru54fz"]["kkt"]["id"], self.device.id)
        self.assertTrue(as_manager["ru54fz"]["kkt"]["shift_open"])
        self.assertEqual(as_manager["ru54fz"]["kkt"]["problems"], [])
        self.assertTrue(as_manager["ru54fz"]["can_manage_kkt"])
        self.assertFalse(as_cashier["ru54fz"]["can_manage_kkt"])

    def test_pos_without_cash_register_shows_no_indicator(self):
        self.config.kkt_device_id = False

        data = self.session._get_pos_ui_pos_config(
            self.session._loader_params_pos_config()
        )

        self.assertFalse(data["ru54fz"]["kkt"])

    def test_shift_over_24_hours_is_a_sale_problem_with_what_to_do(self):
        self.addCleanup(self.device._kkt_call, "open_shift")
        self.addCleanup(self.device._kkt_call, "close_shift")
        self.emulator.advance_clock(hours=25)

        payload = self.device.ru54fz_pos_refresh()

        (problem,) = payload["problems"]
        self.assertEqual(problem["code"], "shift_expired")
        self.assertIn("Z report", problem["action"])

    def test_device_offline_stops_sales_only_after_its_grace(self):
        self.addCleanup(self.device._kkt_refresh_status)
        self.addCleanup(self.emulator.silent, False)
        self.emulator.silent(True)
        self.device.offline_grace_minutes = 15

        self.assertNotIn("offline", self._problem_codes())
        self.assertEqual(self.device.link_state, "offline")

        self.device.offline_grace_minutes = 0
        self.assertIn("offline", self._problem_codes())

    def test_cashier_may_not_run_shift_operations(self):
        before = self.emulator.counter(X_REPORT)

        with self.assertRaises(AccessError):
            self.device.with_user(self.cashier).ru54fz_pos_action("x_report")

        self.assertEqual(self.emulator.counter(X_REPORT), before)

    def test_manager_x_report_prints_and_returns_the_fresh_state(self):
        before = self.emulator.counter(X_REPORT)

        state = self.device.with_user(self.manager).ru54fz_pos_action("x_report")

        self.assertEqual(self.emulator.counter(X_REPORT), before + 1)
        self.assertEqual(state["error"], "")
        self.assertEqual(state["link_state"], "online")

    def test_buyer_contact_typed_on_payment_screen_is_stored(self):
        (order,), _trap = self.sync_trapped(
            self.ui_order([(self.lens, 1)], contact="+79001234567")
        )

        self.assertEqual(order.fiscal_buyer_contact, "+79001234567")

    def test_order_export_and_bus_carry_the_fiscal_state(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.frame, 1)]))
        self.assertEqual(order.export_for_ui()[0]["ru54fz_fiscal"]["state"], "to_send")

        (job,) = self.fiscal_jobs(trap)
        self.perform(job)

        exported = order.export_for_ui()[0]["ru54fz_fiscal"]
        self.assertEqual(exported["state"], "sent")
        self.assertEqual(exported["fd_number"], order.fiscal_fd_number)
        self.assertTrue(exported["qr"])
        pushed = self._bus_messages("RU54FZ_ORDER_FISCAL")
        self.assertIn("sent", [payload["state"] for payload in pushed])
        self.assertEqual(pushed[-1]["id"], order.id)

    def test_indicator_is_told_the_device_answers_again_after_a_printed_receipt(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        # A later attempt: the FD search start is known, so the job prints
        # without reading the status first.
        order.fiscal_search_from_fd = self.device.last_fd_number
        self.addCleanup(self.emulator.silent, False)
        self.emulator.silent(True)
        self.assertEqual(self.device.ru54fz_pos_refresh()["link_state"], "offline")
        self.emulator.silent(False)

        (job,) = self.fiscal_jobs(trap)
        self.perform(job)

        self.assertEqual(order.fiscal_state, "sent")
        pushed = self._bus_messages("KKT_DEVICE_STATUS")
        self.assertEqual(pushed[-1]["link_state"], "online")

    def test_manager_retries_a_failed_receipt_from_the_pos(self):
        (order,), _trap = self.sync_trapped(self.ui_order([(self.lens, 1)]))
        order.write({"fiscal_state": "failed", "fiscal_last_error": "Paper out"})

        with self.assertRaises(AccessError):
            order.with_user(self.cashier).ru54fz_pos_retry_fiscal()
        with trap_jobs() as trap:
            data = order.with_user(self.manager).ru54fz_pos_retry_fiscal()

        self.assertEqual(data["state"], "to_send")
        self.assertFalse(data["error"])
        self.assertEqual(len(self.fiscal_jobs(trap)), 1)

    def test_fiscal_info_is_given_only_for_orders_of_the_session_pos(self):
        (order,), _trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        other_config = self.config.copy({"name": "Other POS"})
        other_config.open_ui()

        own = self.session.ru54fz_fiscal_info(order.ids)
        other = other_config.current_session_id.ru54fz_fiscal_info(order.ids)

        self.assertEqual(own[order.id]["state"], "to_send")
        self.assertEqual(other, {})

    def test_closing_check_lists_orders_without_fiscal_receipt(self):
        (pending,), _trap = self.sync_trapped(self.ui_order([(self.lens, 1)]))

        check = self.session.ru54fz_closing_check()

        self.assertEqual(check["pending"], [pending.name])
        self.assertEqual(check["dead_letter"], [])
        self.assertEqual(check["needs_attention"], [])
        self.assertTrue(check["kkt"]["shift_open"])

    def test_closing_check_lists_orders_needing_attention(self):
        (order,), _trap = self.sync_trapped(self.ui_order([(self.old_rate_item, 1)]))
        self.assertEqual(order.fiscal_state, "needs_attention")

        check = self.session.ru54fz_closing_check()

        self.assertEqual(check["needs_attention"], [order.name])
        self.assertEqual(check["pending"], [])

    def test_payload_check_names_the_line_the_device_would_refuse(self):
        order_json = self.ui_order([(self.old_rate_item, 1)])

        messages = self.env["pos.order"].ru54fz_check_fiscal_payload(order_json)

        self.assertTrue(messages)
        self.assertIn("Old rate item", " ".join(messages))
