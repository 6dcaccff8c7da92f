# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A paid POS order becomes exactly one fiscal receipt on the KKT.

How jobs run: the sync is done inside ``trap_jobs()``; the tests assert the
trapped jobs (channel, identity key) and perform the fiscal job in-process
against the emulator, which runs as a real process on a real socket.
"""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import FN_SERIAL, FiscalPipelineCase

CLOSE_RECEIPT = 0xFF45


@tagged("post_install", "-at_install")
class TestFiscalPipeline(FiscalPipelineCase):
    def test_paid_order_enqueues_one_critical_fiscal_job(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.lens, 2)]))

        self.assertEqual(order.fiscal_state, "to_send")
        self.assertEqual(order.kkt_device_id, self.device)
        trap.assert_jobs_count(1, only=order._ru54fz_fiscalise)
        trap.assert_enqueued_job(
            order._ru54fz_fiscalise,
            properties={
                "channel": "root.critical",
                "identity_key": f"ru54fz:fiscal:{order.id}",
                "max_retries": 20,
            },
        )

    def test_paid_order_is_fiscalised_with_its_data_stored(self):
        (order,), trap = self.sync_trapped(
            self.ui_order([(self.lens, 2), (self.book, 1)], contact="buyer@example.com")
        )

        result = self.perform(self.fiscal_jobs(trap)[0])

        self.assertEqual(order.fiscal_state, "sent", result)
        self.assertTrue(order.fiscal_fd_number)
        self.assertTrue(order.fiscal_sign)
        self.assertEqual(order.fiscal_fn_serial, FN_SERIAL)
        self.assertTrue(order.fiscal_shift_number)
        self.assertTrue(order.fiscal_receipt_number)
        self.assertTrue(order.fiscal_datetime)
        self.assertIn(f"i={order.fiscal_fd_number}", order.fiscal_qr)
        self.assertIn("s=3110.00", order.fiscal_qr)
        self.assertEqual(order.fiscal_attempts, 1)
        self.assertTrue(json.loads(order.fiscal_request))
        self.assertTrue(json.loads(order.fiscal_answer))
        documents = self.documents_with_mark(self.mark(order))
        self.assertEqual(len(documents), 1)
        self.assertEqual(documents[0]["number"], order.fiscal_fd_number)
        self.assertEqual(documents[0]["total"], 311000)

    def test_replayed_sync_and_job_writes_enqueue_nothing_new(self):
        ui_order = self.ui_order([(self.frame, 1)])
        (order,), trap = self.sync_trapped(ui_order)
        with trap_jobs() as job_writes:
            self.perform(self.fiscal_jobs(trap)[0])
        self.assertEqual(order.fiscal_state, "sent")
        job_writes.assert_jobs_count(0)

        replayed, replay_trap = self.sync_trapped(ui_order)
        self.assertFalse(replayed)
        replay_trap.assert_jobs_count(0)

        self.assertEqual(len(self.documents_with_mark(self.mark(order))), 1)

    def test_validating_twice_enqueues_one_fiscal_job(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.frame, 1)]))

        with trap_jobs() as second:
            order.action_pos_order_paid()
            order._ru54fz_enqueue_jobs()
        second.assert_jobs_count(0)
        trap.assert_jobs_count(1, only=order._ru54fz_fiscalise)

    def test_lost_close_receipt_answer_then_rerun_gives_one_document(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.lens, 1)]))
        job = self.fiscal_jobs(trap)[0]
        self.emulator.lose_answer(CLOSE_RECEIPT)

        first = self.perform(job)
        self.assertIsInstance(first, RetryableJobError)
        self.assertEqual(order.fiscal_state, "to_send")
        self.assertTrue(order.fiscal_last_error)

        self.perform(job)
        self.assertEqual(order.fiscal_state, "sent")
        self.assertTrue(order.fiscal_recovered)
        documents = self.documents_with_mark(self.mark(order))
        self.assertEqual(len(documents), 1)
        self.assertEqual(documents[0]["number"], order.fiscal_fd_number)

    def test_crash_between_print_and_commit_is_recovered(self):
        """The receipt is printed but the worker dies before the order is saved.

        The state left behind is the one committed before printing (FD search
        start stored); the printed receipt is only in the FN.
        """
        (order,), trap = self.sync_trapped(self.ui_order([(self.frame, 3)]))
        with order._ru54fz_own_transaction() as locked:
            receipt, _outcome = locked._ru54fz_fiscal_prepare()
        self.device._kkt_call(
            "fiscalise", receipt, search_from_fd=order.fiscal_search_from_fd
        )
        order.invalidate_recordset()
        self.assertEqual(order.fiscal_state, "to_send")

        self.perform(self.fiscal_jobs(trap)[0])

        self.assertEqual(order.fiscal_state, "sent")
        self.assertTrue(order.fiscal_recovered)
        self.assertEqual(len(self.documents_with_mark(receipt.mark)), 1)

    def test_rerun_of_a_sent_order_does_nothing(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        job = self.fiscal_jobs(trap)[0]
        self.perform(job)
        fd_number = order.fiscal_fd_number
        receipts_before = self.emulator.counter(CLOSE_RECEIPT)

        self.perform(job)

        self.assertEqual(order.fiscal_fd_number, fd_number)
        self.assertEqual(self.emulator.counter(CLOSE_RECEIPT), receipts_before)

    def test_fiscal_data_is_read_only_once_stored(self):
        (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        self.perform(self.fiscal_jobs(trap)[0])

        with self.assertRaises(UserError):
            order.write({"fiscal_fd_number": order.fiscal_fd_number + 1})
        with self.assertRaises(UserError):
            order.write({"fiscal_state": "to_send"})
        order.write({"fiscal_sign": order.fiscal_sign})

    def test_order_of_a_pos_without_kkt_is_not_fiscalised(self):
        self.config.kkt_device_id = False
        try:
            (order,), trap = self.sync_trapped(self.ui_order([(self.book, 1)]))
        finally:
            self.config.kkt_device_id = self.device
        self.assertEqual(order.fiscal_state, "not_required")
        trap.assert_jobs_count(0, only=order._ru54fz_fiscalise)
