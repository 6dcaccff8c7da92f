# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The SMS gateway client against the fake gateway over a real socket:
idempotency, and which failures queue_job retries."""

import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..models.sms_gateway import SmsGatewayError, SmsGatewayUnavailable

FAKE_GATEWAY_PATH = (
    Path(__file__).resolve().parents[2] / "tests" / "fake_sms_gateway.py"
)
TOKEN = "sms-test-token"
PHONE = "+79161234567"


def _load_fake_gateway():
    spec = importlib.util.spec_from_file_location("fake_sms_gateway", FAKE_GATEWAY_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeSmsGateway


@tagged("post_install", "-at_install")
class TestOpsSmsGateway(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway = _load_fake_gateway()(token=TOKEN, delay=2.0).start()
        cls.addClassCleanup(cls.gateway.stop)
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("optics_pos_ru54fz.sms_gateway_url", cls.gateway.url)
        cls.params.set_param("optics_pos_ru54fz.sms_gateway_token", TOKEN)
        cls.sms = cls.env["ru54fz.sms.gateway"]

    def setUp(self):
        super().setUp()
        self.gateway.requests.clear()
        self.gateway.sent.clear()

    def test_message_is_posted_with_token_and_idempotency_key(self):
        result = self.sms.send(PHONE, "Your receipt: https://ofd.example/r/1", "k-1")
        self.assertEqual(result["idempotency_key"], "k-1")
        self.assertFalse(result["duplicate"])
        (request,) = self.gateway.requests
        self.assertEqual(request["headers"]["Authorization"], f"Bearer {TOKEN}")
        self.assertEqual(request["headers"]["Idempotency-Key"], "k-1")
        self.assertEqual(request["json"]["phone"], PHONE)
        self.assertEqual(result["gateway_message_id"], self.gateway.sent[0]["id"])

    def test_same_key_sends_one_message_only(self):
        first = self.sms.send(PHONE, "Receipt 1", "k-twice")
        second = self.sms.send(PHONE, "Receipt 1", "k-twice")
        self.assertEqual(len(self.gateway.requests), 1)
        self.assertTrue(second["duplicate"])
        self.assertEqual(second["gateway_message_id"], first["gateway_message_id"])

    def test_default_key_is_per_recipient_and_text(self):
        self.sms.send(PHONE, "Receipt A")
        self.sms.send(PHONE, "Receipt A")
        self.sms.send(PHONE, "Receipt B")
        self.sms.send("+79160000000", "Receipt A")
        self.assertEqual(len(self.gateway.sent), 3)

    def test_record_keeps_only_the_last_digits_of_the_phone(self):
        self.sms.send(PHONE, "Receipt", "k-hint")
        message = self.env["ru54fz.sms.message"].search(
            [("idempotency_key", "=", "k-hint")]
        )
        self.assertEqual(message.recipient_hint, "…4567")

    def test_server_errors_are_retryable_and_record_nothing(self):
        for status in (500, 503, 429):
            self.gateway.fail_next(status)
            with self.assertRaises(SmsGatewayUnavailable) as caught:
                self.sms.send(PHONE, "Receipt", f"k-{status}")
            self.assertIsInstance(caught.exception, RetryableJobError)
            self.assertFalse(
                self.env["ru54fz.sms.message"].search_count(
                    [("idempotency_key", "=", f"k-{status}")]
                )
            )

    def test_retry_after_a_server_error_sends_the_message_once(self):
        self.gateway.fail_next(502)
        with self.assertRaises(SmsGatewayUnavailable):
            self.sms.send(PHONE, "Receipt", "k-retry")
        result = self.sms.send(PHONE, "Receipt", "k-retry")
        self.assertFalse(result["duplicate"])
        self.assertEqual(len(self.gateway.sent), 1)

    def test_dropped_connection_is_retryable(self):
        self.gateway.fail_next("drop")
        with self.assertRaises(SmsGatewayUnavailable):
            self.sms.send(PHONE, "Receipt", "k-drop")

    def test_timeout_is_retryable(self):
        self.params.set_param("optics_pos_ru54fz.sms_gateway_timeout", "0.5")
        self.gateway.fail_next("slow")
        with self.assertRaises(SmsGatewayUnavailable) as caught:
            self.sms.send(PHONE, "Receipt", "k-slow")
        self.assertIn("0.5", str(caught.exception))

    def test_gateway_refusal_is_not_retryable(self):
        self.gateway.fail_next(400)
        with self.assertRaises(SmsGatewayError) as caught:
            self.sms.send(PHONE, "Receipt", "k-400")
        self.assertNotIsInstance(caught.exception, RetryableJobError)
        self.assertIn("400", str(caught.exception))

    def test_wrong_token_is_not_retryable(self):
        self.params.set_param("optics_pos_ru54fz.sms_gateway_token", "wrong")
        with self.assertRaises(SmsGatewayError) as caught:
            self.sms.send(PHONE, "Receipt", "k-token")
        self.assertIn("401", str(caught.exception))

    def test_missing_gateway_url_is_a_clear_error(self):
        self.params.set_param("optics_pos_ru54fz.sms_gateway_url", "")
        with self.assertRaises(SmsGatewayError) as caught:
            self.sms.send(PHONE, "Receipt", "k-unset")
        self.assertIn("No SMS gateway is configured", str(caught.exception))
        self.assertEqual(self.gateway.requests, [])
