# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The circuit breaker: repeated link failures pause calls, a trial resumes them."""

import time

from ..kkt.errors import LinkError, NeedsPersonError
from ..models.kkt_device import DeviceUnavailable
from .common import KktDeviceCase

PAUSE = 1


class TestKktDeviceBreaker(KktDeviceCase):
    def setUp(self):
        super().setUp()
        self.device.write(
            {"breaker_threshold": 3, "breaker_cooldown": PAUSE, "timeout_scale": 0.05}
        )

    def fail_link(self, times):
        self.emulator.silent(True)
        for _attempt in range(times):
            with self.assertRaises(LinkError) as caught:
                self.device._kkt_call("status")
            self.assertTrue(caught.exception.retryable)

    def wait_for_the_pause_to_end(self):
        time.sleep(PAUSE + 0.2)

    def test_link_failures_below_the_threshold_keep_calls_going(self):
        self.fail_link(2)

        self.assertEqual(self.device.link_state, "offline")
        self.assertEqual(self.device.link_failures, 2)
        self.assertFalse(self.device.link_retry_at)

    def test_third_link_failure_makes_calls_fail_fast_without_io(self):
        self.fail_link(3)
        self.emulator.silent(False)
        self.emulator.reset_counters()

        with self.assertRaises(DeviceUnavailable) as caught:
            self.device._kkt_call("status")

        self.assertTrue(caught.exception.retryable)
        self.assertIn(self.device.name, caught.exception.message)
        self.assertIn("Касса Test KKT не ответила", caught.exception.message_ru)
        self.assertEqual(self.emulator.state()["counters"], {})
        self.assertEqual(self.device.link_state, "offline")
        self.assertTrue(self.device.link_retry_at)

    def test_successful_trial_after_the_pause_closes_the_breaker(self):
        self.device.breaker_threshold = 1
        self.fail_link(1)
        self.emulator.silent(False)
        self.wait_for_the_pause_to_end()

        status = self.device._kkt_call("status")

        self.assertEqual(status.fn_serial, self.device.fn_serial)
        self.assertEqual(self.device.link_state, "online")
        self.assertEqual(self.device.link_failures, 0)
        self.assertFalse(self.device.link_retry_at)
        self.assertFalse(self.device.offline_since)

    def test_failed_trial_pauses_calls_again(self):
        self.device.breaker_threshold = 1
        self.fail_link(1)
        self.wait_for_the_pause_to_end()

        self.fail_link(1)
        self.emulator.silent(False)

        with self.assertRaises(DeviceUnavailable):
            self.device._kkt_call("status")

    def test_success_resets_the_count_of_link_failures(self):
        self.fail_link(2)
        self.emulator.silent(False)
        self.device._kkt_call("status")

        self.fail_link(2)

        self.assertEqual(self.device.link_failures, 2)
        self.assertFalse(self.device.link_retry_at)

    def test_errors_that_need_a_person_do_not_pause_calls(self):
        self.device._kkt_call("open_shift")
        for _attempt in range(4):
            with self.assertRaises(NeedsPersonError):
                self.device._kkt_call("open_shift")

        self.assertEqual(self.device.link_failures, 0)
        self.assertFalse(self.device.link_retry_at)
        self.assertEqual(self.device.link_state, "blocked")
        self.assertIn("already open", self.device.last_error)

    def test_breaker_state_survives_the_callers_rollback(self):
        with self.assertRaises(LinkError), self.env.cr.savepoint():
            self.emulator.silent(True)
            self.device._kkt_call("status")

        self.assertEqual(self.device.link_failures, 1)
