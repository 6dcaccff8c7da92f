# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The per-device lock: workers on their own database connections take turns."""

import threading
import time
from unittest.mock import patch

from odoo.tests import tagged

from ..kkt.errors import LinkError
from ..models.kkt_device import DeviceBusy, DeviceUnavailable
from .common import KktDeviceCase, enter_committed_device, worker_env

X_REPORT = 0x40
FULL_STATUS = 0x11


# After installation: worker threads use the ORM, which waits for the registry
# lock that the test runner holds while it installs modules.
@tagged("post_install", "-at_install")
class TestKktDeviceLock(KktDeviceCase):
    emulator_options = {"print_time": 0.3}

    def setUp(self):
        super().setUp()
        self.device_id = enter_committed_device(
            self,
            name="Shared KKT",
            connection_url=self.emulator_url,
            lock_timeout=1,
            timeout_scale=0.05,
        )

    def run_in_worker(self, method, *args):
        """Call ``method`` of the committed device on a connection of its own;
        return the result, or the exception it raised."""
        with worker_env(self.registry, self.env.uid) as env:
            device = env["kkt.device"].browse(self.device_id)
            try:
                return getattr(device, method)(*args)
            except Exception as error:
                return error

    def test_two_workers_never_talk_to_the_device_at_once(self):
        self.run_in_worker("_kkt_call", "open_shift")
        self.emulator.journal(clear=True)
        start = threading.Barrier(2)
        results = []

        def worker():
            start.wait()
            results.append(self.run_in_worker("_kkt_call", "x_report"))

        threads = [threading.Thread(target=worker) for _name in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(results, [None, None])
        self.assertEqual(self.emulator.counter(X_REPORT), 2)
        connections = [entry["connection"] for entry in self.emulator.journal()]
        turns = [
            name
            for index, name in enumerate(connections)
            if index == 0 or name != connections[index - 1]
        ]
        self.assertEqual(len(turns), 2, connections)
        self.assertNotEqual(turns[0], turns[1])

    def test_worker_waiting_past_the_timeout_gets_a_retryable_busy_error(self):
        locked = threading.Event()
        release = threading.Event()

        def holder():
            with worker_env(self.registry, self.env.uid) as env:
                device = env["kkt.device"].browse(self.device_id)
                with device._kkt_device_lock():
                    locked.set()
                    release.wait(10)

        thread = threading.Thread(target=holder)
        thread.start()
        locked.wait(10)
        try:
            error = self.run_in_worker("_kkt_call", "status")
        finally:
            release.set()
            thread.join()

        self.assertIsInstance(error, DeviceBusy)
        self.assertTrue(error.retryable)
        self.assertIn("Shared KKT", error.message)
        self.assertEqual(self.emulator.counter(FULL_STATUS), 0)

    def test_lock_is_held_only_during_device_io(self):
        device = self.env["kkt.device"].browse(self.device_id)
        device_class = type(device)
        original = device_class._kkt_session_call
        held_during_io = []

        def observed(device, operation, args, kwargs):
            held_during_io.append(self.advisory_locks_held(device))
            return original(device, operation, args, kwargs)

        with patch.object(device_class, "_kkt_session_call", observed):
            self.run_in_worker("_kkt_call", "status")
            self.emulator.silent(True)
            self.run_in_worker("_kkt_call", "status")

        self.assertEqual(held_during_io, [1, 1])
        self.assertEqual(self.advisory_locks_held(device), 0)

    def test_only_one_trial_call_goes_through_after_the_pause(self):
        self.run_in_worker("write", {"breaker_threshold": 1, "breaker_cooldown": 1})
        self.emulator.silent(True)
        self.run_in_worker("_kkt_call", "status")
        time.sleep(1.2)
        device_class = type(self.env["kkt.device"])
        original = device_class._kkt_session_call
        trial_started = threading.Event()

        def observed(device, operation, args, kwargs):
            trial_started.set()
            return original(device, operation, args, kwargs)

        results = []
        with patch.object(device_class, "_kkt_session_call", observed):
            trial = threading.Thread(
                target=lambda: results.append(self.run_in_worker("_kkt_call", "status"))
            )
            trial.start()
            trial_started.wait(10)
            during_trial = self.run_in_worker("_kkt_call", "status")
            trial.join()

        self.assertIsInstance(during_trial, DeviceUnavailable)
        self.assertIsInstance(results[0], LinkError)
