# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Failed fiscal receipts: retries, dead letter, the Retry button, invalid orders.

How jobs run: the sync is done inside ``trap_jobs()``; each try of the trapped
fiscal job is performed in-process against the running emulator, as the queue
runner would after each retry delay (the delays themselves are not waited for).
"""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optics_kkt_driver.kkt.session import KktSession
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import FiscalPipelineCase

POS_ORDER_LOGGER = "odoo.addons.optics_pos_ru54fz.models.pos_order"


@tagged("post_install", "-at_install")
class TestFiscalRetry(FiscalPipelineCase):
    def close_shift_for_this_test(self):
        self.device._kkt_call("close_shift")
        self.addCleanup(self.device._kkt_call, "open_shift")

    def test_error_needing_a_person_marks_the_order_failed_and_retries(self):
        self.close_shift_for_this_test()
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))

        result = self.perform(self.fiscal_jobs(trap)[0])

        self.assertIsInstance(result, RetryableJobError)
        self.assertEqual(order.fiscal_state, "failed")
        self.assertTrue(order.fiscal_last_error)
        self.assertEqual(order.fiscal_attempts, 1)
        self.assertFalse(self.documents_with_mark(self.mark(order)))

    def test_twentieth_failure_dead_letters_the_order_for_managers(self):
        self.close_shift_for_this_test()
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        job = self.fiscal_jobs(trap)[0]

        for _attempt in range(19):
            self.assertIsInstance(self.perform(job), RetryableJobError)
        self.assertEqual(order.fiscal_state, "failed")
        with mute_logger("odoo.addons.optics_pos_ru54fz.models.pos_order"):
            self.assertIsInstance(self.perform(job), FailedJobError)

        self.assertEqual(order.fiscal_state, "dead_letter")
        self.assertEqual(order.fiscal_attempts, 20)
        activities = order.activity_ids
        self.assertIn(self.manager, activities.user_id)
        self.assertIn(order.name, activities[0].note)

    def test_retry_button_requeues_and_prints_once_the_cause_is_fixed(self):
        self.close_shift_for_this_test()
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        self.perform(self.fiscal_jobs(trap)[0])
        order.write({"fiscal_state": "dead_letter"})
        self.device._kkt_call("open_shift")

        with self.assertRaises(AccessError):
            order.with_user(self.cashier).action_ru54fz_retry_fiscal()
        with trap_jobs() as retry_trap:
            order.with_user(self.manager).action_ru54fz_retry_fiscal()
        retry_trap.assert_enqueued_job(
            order._ru54fz_fiscalise,
            properties={
                "channel": "root.critical",
                "identity_key": f"ru54fz:fiscal:{order.id}",
            },
        )
        self.assertEqual(order.fiscal_state, "to_send")
        self.assertEqual(order.fiscal_attempts, 0)

        self.perform(self.fiscal_jobs(retry_trap)[0])
        self.assertEqual(order.fiscal_state, "sent")
        self.assertEqual(len(self.documents_with_mark(self.mark(order))), 1)
        self.device._kkt_call("close_shift")

    def test_order_synced_with_a_tax_without_kkt_code_needs_attention_at_once(self):
        # As an order taken while the POS screen was offline arrives: the
        # payment screen's check could not refuse it.
        (order,), trap = self.sync_trapped(
            self.ui_order(
                [(self.book, 1), (self.old_rate_item, 2)], contact="buyer@example.com"
            )
        )

        self.assertEqual(trap.enqueued_jobs, [], "no fiscal job, no e-mail")
        self.assertEqual(order.fiscal_state, "needs_attention")
        self.assertIn("Line 2 (Old rate item)", order.fiscal_last_error)
        self.assertEqual(order.state, "paid", "the order is kept")
        self.assertTrue(order.fiscal_retry_allowed)
        self.assertFalse(self.documents_with_mark(self.mark(order)))
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertIn("Line 2 (Old rate item)", activity.note)

    def test_line_of_quantity_zero_with_a_sum_needs_attention_at_once(self):
        ui_order = self.ui_order([(self.book, 1), (self.lens, 1)])
        ui_order["data"]["lines"][1][2]["qty"] = 0

        (order,), trap = self.sync_trapped(ui_order)

        self.assertEqual(trap.enqueued_jobs, [])
        self.assertEqual(order.fiscal_state, "needs_attention")
        self.assertIn("Line 2 (Lens)", order.fiscal_last_error)

    def test_unexpected_error_checking_the_receipt_at_sync_still_queues_its_jobs(
        self,
    ):
        ui_order = self.ui_order([(self.book, 1)], contact="buyer@example.com")
        self.enterContext(
            patch.object(
                type(self.env["pos.order"]),
                "_ru54fz_build_receipt",
                side_effect=ZeroDivisionError("division by zero"),
            )
        )

        with self.assertLogs(POS_ORDER_LOGGER, "ERROR"):
            (order,), trap = self.sync_trapped(ui_order)

        self.assertEqual(order.fiscal_state, "to_send")
        self.assertEqual(
            {job.method_name for job in trap.enqueued_jobs},
            {"_ru54fz_fiscalise", "_ru54fz_send_receipt_email"},
        )

    def test_order_whose_tax_loses_its_kkt_code_before_the_job_needs_attention(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        self.tax_10.kkt_tax_code = False

        result = self.perform(self.fiscal_jobs(trap)[0])

        self.assertNotIsInstance(result, Exception, "never retried")
        self.assertEqual(order.fiscal_state, "needs_attention")
        self.assertIn("Line 1 (Book)", order.fiscal_last_error)
        self.assertFalse(self.documents_with_mark(self.mark(order)))

    def test_needs_attention_order_prints_after_the_tax_is_fixed(self):
        (order,), _trap = self.sync_trapped(
            self.ui_order([(self.old_rate_item, 1)], contact="buyer@example.com")
        )
        self.tax_18.kkt_tax_code = "vat20"

        with trap_jobs() as retry_trap:
            order.with_user(self.manager).action_ru54fz_retry_fiscal()
        self.assertEqual(
            {job.method_name for job in retry_trap.enqueued_jobs},
            {"_ru54fz_fiscalise", "_ru54fz_send_receipt_email"},
        )
        self.perform(self.fiscal_jobs(retry_trap)[0])

        self.assertEqual(order.fiscal_state, "sent")
        self.assertFalse(
            order.activity_ids.filtered(lambda a: a.user_id == self.manager)
        )

    def test_order_left_without_kkt_needs_attention(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        order.kkt_device_id = False

        self.perform(self.fiscal_jobs(trap)[0])

        self.assertEqual(order.fiscal_state, "needs_attention")
        self.assertIn(order.name, order.fiscal_last_error)

    def test_unexpected_driver_error_is_retried_then_dead_lettered(self):
        # A driver bug, injected: the FN status read before the first print
        # fails with an error that is no KktError.
        self.enterContext(
            patch.object(
                KktSession,
                "fn_status",
                side_effect=OverflowError("can't convert negative int to unsigned"),
            )
        )
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        job = self.fiscal_jobs(trap)[0]

        with self.assertLogs(POS_ORDER_LOGGER, "ERROR") as logs:
            result = self.perform(job)
        self.assertIn(order.name, logs.output[0])
        self.assertIsInstance(result, RetryableJobError)
        self.assertEqual(order.fiscal_state, "failed")
        self.assertEqual(order.fiscal_attempts, 1)
        self.assertIn("Unexpected error", order.fiscal_last_error)

        with mute_logger(POS_ORDER_LOGGER):
            for _attempt in range(18):
                self.assertIsInstance(self.perform(job), RetryableJobError)
            self.assertIsInstance(self.perform(job), FailedJobError)
        self.assertEqual(order.fiscal_state, "dead_letter")
        self.assertEqual(order.fiscal_attempts, 20)
        self.assertIn(self.manager, order.activity_ids.user_id)

    def test_retry_runs_the_waiting_job_now_with_its_tries_counted_again(self):
        # The job is stored (not trapped) and its failed try postponed, as the
        # runner's controller does.
        self.close_shift_for_this_test()
        (order,) = self.sync(self.ui_order([(self.book, 1)]))
        record = self.env["queue.job"].search(
            [("identity_key", "=", f"ru54fz:fiscal:{order.id}")]
        )
        job = Job.load(self.env, record.uuid)
        self.assertIsInstance(self.perform(job), RetryableJobError)
        job.postpone(seconds=1800)
        job.set_pending(reset_retry=False)
        job.store()
        record.invalidate_recordset()
        self.assertEqual((record.retry, bool(record.eta)), (1, True))
        self.device._kkt_call("open_shift")

        order.with_user(self.manager).action_ru54fz_retry_fiscal()

        record.invalidate_recordset()
        self.assertEqual((record.retry, record.eta), (0, False))
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("identity_key", "=", f"ru54fz:fiscal:{order.id}")]
            ),
            1,
        )
        self.perform(Job.load(self.env, record.uuid))
        self.assertEqual(order.fiscal_state, "sent")
        self.device._kkt_call("close_shift")

    def test_retry_requeues_an_order_to_send_whose_job_stopped(self):
        (order,), _trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        order._ru54fz_delay_fiscal_job()
        self.assertFalse(order.fiscal_retry_allowed)
        with self.assertRaises(UserError):
            order.with_user(self.manager).action_ru54fz_retry_fiscal()

        job = self.env["queue.job"].search(
            [("identity_key", "=", f"ru54fz:fiscal:{order.id}")]
        )
        job.write({"state": "failed", "exc_info": "OperationalError"})
        order.invalidate_recordset(["fiscal_retry_allowed"])
        self.assertEqual(order.fiscal_state, "to_send")
        self.assertTrue(order.fiscal_retry_allowed)
        with trap_jobs() as retry_trap:
            order.with_user(self.manager).action_ru54fz_retry_fiscal()
        self.perform(self.fiscal_jobs(retry_trap)[0])

        self.assertEqual(order.fiscal_state, "sent")
        self.assertEqual(len(self.documents_with_mark(self.mark(order))), 1)
