# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Buyer e-mail and SMS jobs go to root.low, wait for the fiscal data, and are
sent once per recipient and message (the invoice: test_order_confirmation).

How jobs run: syncs trap their jobs; the tests perform them in-process, the
fiscal job against the running emulator.
"""

import importlib.util
from pathlib import Path

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from .common import FiscalPipelineCase

FAKE_GATEWAY = Path(__file__).resolve().parents[2] / "tests" / "fake_sms_gateway.py"

EMAIL_JOB = "_ru54fz_send_receipt_email"
SMS_JOB = "_ru54fz_send_receipt_sms"


@tagged("post_install", "-at_install")
class TestFiscalNotifications(FiscalPipelineCase):
    def start_fake_sms_gateway(self):
        spec = importlib.util.spec_from_file_location("fake_sms_gateway", FAKE_GATEWAY)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        gateway = module.FakeSmsGateway(token="d1-token").start()
        self.addCleanup(gateway.stop)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("optics_pos_ru54fz.sms_gateway_url", gateway.url)
        params.set_param("optics_pos_ru54fz.sms_gateway_token", "d1-token")
        return gateway

    def test_email_and_sms_jobs_run_on_low_never_on_critical(self):
        _orders, trap = self.sync_trapped(
            self.ui_order([(self.book, 1)], contact="buyer@example.com"),
            self.ui_order([(self.book, 1)], contact="+79991234567"),
        )

        self.assertEqual(self.channels(trap, EMAIL_JOB), {"root.low"})
        self.assertEqual(self.channels(trap, SMS_JOB), {"root.low"})
        self.assertEqual(self.channels(trap, "_ru54fz_fiscalise"), {"root.critical"})
        self.assertEqual(len(self.jobs(trap, EMAIL_JOB)), 1)
        self.assertEqual(len(self.jobs(trap, SMS_JOB)), 1)

    def test_receipt_email_waits_for_the_fiscal_data_and_is_sent_once(self):
        (order,), trap = self.sync_trapped(
            self.ui_order([(self.book, 1)], contact="buyer@example.com")
        )
        (email_job,) = self.jobs(trap, EMAIL_JOB)

        self.assertIsInstance(self.perform(email_job), RetryableJobError)
        self.perform(self.fiscal_jobs(trap)[0])
        self.perform(email_job)
        self.perform(email_job)

        mails = self.env["mail.mail"].search(
            [("model", "=", "pos.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.email_to, "buyer@example.com")
        self.assertIn(str(order.fiscal_fd_number), mails.body_html)

    def test_receipt_sms_goes_through_the_gateway_once(self):
        gateway = self.start_fake_sms_gateway()
        (order,), trap = self.sync_trapped(
            self.ui_order([(self.book, 1)], contact="+79991234567")
        )
        (sms_job,) = self.jobs(trap, SMS_JOB)
        self.perform(self.fiscal_jobs(trap)[0])

        self.perform(sms_job)
        self.perform(sms_job)

        self.assertEqual(len(gateway.sent), 1)
        (request,) = gateway.requests
        self.assertEqual(request["json"]["phone"], "+79991234567")
        self.assertIn(str(order.fiscal_fd_number), request["json"]["text"])
