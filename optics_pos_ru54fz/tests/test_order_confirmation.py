# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order confirmation work on root.high: the invoice of an order to invoice is
made and posted with its payments by a job, not during the sync the cashier
waits for, then e-mailed from root.low; sales on the customer account get a
payment follow-up.

How jobs run: syncs trap their jobs; the tests perform them in-process, as the
runner would.
"""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.queue_job.exception import FailedJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import FiscalPipelineCase, create_pos_config, pos_ui_order

CONFIRM_JOB = "_ru54fz_confirm_order"
SEND_INVOICE_JOB = "_ru54fz_send_invoice"
FOLLOW_UP_JOB = "_ru54fz_follow_up_payment"


@tagged("post_install", "-at_install")
class TestOrderConfirmation(FiscalPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Invoiced buyer", "email": "invoiced@example.com"}
        )
        cls.customer_account = cls.env["pos.payment.method"].create(
            {"name": "Customer Account", "split_transactions": True}
        )
        cls.account_config = create_pos_config(cls.env, cls.device, "Account", "ACC")
        cls.account_config.payment_method_ids |= cls.customer_account
        cls.account_config.open_ui()
        cls.account_session = cls.account_config.current_session_id

    def invoiced_ui_order(self, partner):
        """An order of the test POS to invoice to ``partner`` (may be empty)."""
        ui_order = self.ui_order([(self.book, 1)])
        ui_order["data"].update(partner_id=partner.id, to_invoice=True)
        ui_order["to_invoice"] = True
        return ui_order

    def account_ui_order(self, on_account=0.0, to_invoice=False):
        """An order of the POS with a customer account, for the test buyer;
        ``on_account`` of it is paid on the customer account, the rest in cash."""
        lines = [(self.book, 1)]
        total = pos_ui_order(self.account_session, lines)["data"]["amount_total"]
        cash = self.account_config.payment_method_ids.filtered("is_cash_count")
        payments = [(cash, total - on_account)]
        if on_account:
            payments.append((self.customer_account, on_account))
        ui_order = pos_ui_order(self.account_session, lines, payments)
        ui_order["data"].update(partner_id=self.buyer.id, to_invoice=to_invoice)
        ui_order["to_invoice"] = to_invoice
        return ui_order

    def perform_trapped(self, job):
        """Perform ``job``; return the jobs it enqueued, trapped."""
        with trap_jobs() as trap:
            self.perform(job)
        return trap

    def bus_payloads(self, session):
        self.env.cr.precommit.run()
        channel = session._get_bus_channel_name()
        messages = self.env["bus.bus"].sudo().search([("channel", "like", channel)])
        return [
            json.loads(bus.message)["payload"]
            for bus in messages
            if json.loads(bus.message)["type"] == "RU54FZ_ORDER_FISCAL"
        ]

    def test_order_to_invoice_is_invoiced_by_its_root_high_job_not_in_the_sync(self):
        (order,), trap = self.sync_trapped(self.invoiced_ui_order(self.buyer))

        self.assertFalse(order.account_move, "the sync made no invoice")
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.channels(trap, CONFIRM_JOB), {"root.high"})
        (confirm_job,) = self.jobs(trap, CONFIRM_JOB)

        confirm_trap = self.perform_trapped(confirm_job)

        move = order.account_move
        self.assertEqual(move.state, "posted")
        self.assertEqual(order.state, "invoiced")
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertFalse(move.is_move_sent, "e-mailed by a job of its own")
        self.assertEqual(self.channels(confirm_trap, SEND_INVOICE_JOB), {"root.low"})
        (send_job,) = self.jobs(confirm_trap, SEND_INVOICE_JOB)
        self.perform(send_job)
        self.assertTrue(move.is_move_sent)
        self.assertIn("Nothing to send", self.perform(send_job))

    def test_confirmation_job_run_again_makes_no_second_invoice(self):
        (order,), trap = self.sync_trapped(self.invoiced_ui_order(self.buyer))
        (confirm_job,) = self.jobs(trap, CONFIRM_JOB)

        self.perform_trapped(confirm_job)
        first = order.account_move
        self.perform_trapped(confirm_job)

        self.assertEqual(order.account_move, first)
        moves = self.env["account.move"].search([("pos_order_ids", "in", order.ids)])
        self.assertEqual(moves, first)

    def test_screen_gets_the_invoice_once_it_is_posted(self):
        (order,), trap = self.sync_trapped(self.invoiced_ui_order(self.buyer))
        before = order._ru54fz_fiscal_ui_data()

        self.perform_trapped(self.jobs(trap, CONFIRM_JOB)[0])

        self.assertTrue(before["to_invoice"])
        self.assertFalse(before["invoice_id"])
        after = [
            payload
            for payload in self.bus_payloads(self.session)
            if payload["id"] == order.id and payload["invoice_id"]
        ]
        self.assertTrue(after, "a bus message offers the invoice")
        self.assertEqual(after[-1]["invoice_id"], order.account_move.id)
        self.assertEqual(after[-1]["invoice_name"], order.account_move.name)

    def test_closing_the_session_invoices_orders_whose_job_has_not_run(self):
        (order,), trap = self.sync_trapped(self.account_ui_order(to_invoice=True))

        result = self.account_session.close_session_from_ui()

        self.assertTrue(result["successful"], result)
        self.assertEqual(order.account_move.state, "posted")
        self.assertEqual(order.session_id.state, "closed")
        confirm_trap = self.perform_trapped(self.jobs(trap, CONFIRM_JOB)[0])
        moves = self.env["account.move"].search([("pos_order_ids", "in", order.ids)])
        self.assertEqual(moves, order.account_move, "one invoice")
        self.perform(self.jobs(confirm_trap, SEND_INVOICE_JOB)[0])
        self.assertTrue(order.account_move.is_move_sent)

    def test_order_that_cannot_be_invoiced_does_not_stop_the_closing(self):
        ui_order = self.account_ui_order(to_invoice=True)
        ui_order["data"]["partner_id"] = False
        (order,), _trap = self.sync_trapped(ui_order)

        result = self.account_session.close_session_from_ui()

        self.assertTrue(result["successful"], result)
        self.assertEqual(self.account_session.state, "closed")
        self.assertFalse(order.account_move)
        self.assertIn(order.name, order.invoice_error)
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertIn("customer", activity.note)

    def test_order_to_invoice_without_customer_is_kept_and_managers_told(self):
        (order,), trap = self.sync_trapped(
            self.invoiced_ui_order(self.env["res.partner"])
        )
        self.assertEqual(order.state, "paid", "the sync kept the order")

        result = self.perform(self.jobs(trap, CONFIRM_JOB)[0])

        self.assertIsInstance(result, FailedJobError)
        self.assertIn(order.name, str(result))
        self.assertFalse(order.account_move)
        self.assertIn("customer", order.invoice_error)
        self.assertEqual(
            order._ru54fz_fiscal_ui_data()["invoice_error"], order.invoice_error
        )
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertIn("customer", activity.note)
        self.assertIn(order.name, activity.note)

    def test_customer_account_sale_gets_one_follow_up_from_root_high(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "optics_pos_ru54fz.payment_follow_up_days", 3
        )
        (order,), trap = self.sync_trapped(self.account_ui_order(on_account=40.0))
        self.assertEqual(self.channels(trap, FOLLOW_UP_JOB), {"root.high"})
        (job,) = self.jobs(trap, FOLLOW_UP_JOB)

        self.perform(job)
        self.perform(job)

        due = fields.Date.context_today(order) + timedelta(days=3)
        self.assertEqual(order.payment_follow_up_date, due)
        activities = order.activity_ids.filtered(
            lambda activity: activity.date_deadline == due
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.env.user)
        self.assertIn(self.buyer.name, activities.note)
        self.assertIn("40", activities.note)

    def test_refund_to_the_customer_account_closes_the_collection(self):
        (sale,), trap = self.sync_trapped(self.account_ui_order(on_account=40.0))
        self.perform(self.jobs(trap, FOLLOW_UP_JOB)[0])
        self.perform(self.fiscal_jobs(trap)[0])
        follow_up = self.env.ref(
            "optics_pos_ru54fz.mail_activity_type_payment_follow_up"
        )
        self.assertTrue(
            sale.activity_ids.filtered_domain([("activity_type_id", "=", follow_up.id)])
        )
        cash = self.account_config.payment_method_ids.filtered("is_cash_count")
        refund_ui = pos_ui_order(
            self.account_session,
            [(self.book, -1)],
            [(cash, -(sale.amount_total - 40.0)), (self.customer_account, -40.0)],
            refund_of={self.book: sale.lines},
        )
        refund_ui["data"]["partner_id"] = self.buyer.id

        (refund,), refund_trap = self.sync_trapped(refund_ui)
        result = self.perform(self.jobs(refund_trap, FOLLOW_UP_JOB)[0])

        self.assertIn(sale.name, result)
        self.assertFalse(
            sale.activity_ids.filtered_domain([("activity_type_id", "=", follow_up.id)])
        )
        self.assertFalse(refund.payment_follow_up_date)

    def test_follow_up_delay_that_is_not_a_positive_number_falls_back(self):
        params = self.env["ir.config_parameter"].sudo()
        order = self.env["pos.order"]
        for value, days in (("-3", 1), ("0", 1), ("soon", 7), ("10", 10)):
            params.set_param("optics_pos_ru54fz.payment_follow_up_days", value)
            self.assertEqual(order._ru54fz_follow_up_days(), days, value)

    def test_sale_paid_in_full_now_has_no_payment_follow_up(self):
        with trap_jobs() as trap:
            self.sync(self.ui_order([(self.book, 1)]))

        self.assertFalse(self.jobs(trap, FOLLOW_UP_JOB))
