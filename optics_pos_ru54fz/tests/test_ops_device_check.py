# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The per-minute device check against the KKT emulator over a real socket:
alerts before the 30-day OFD limit, on a shift over 24 h and on a device
offline too long, once per condition; the cron that enqueues the checks; and
call traces with their purge. Jobs are run in-process by calling the job
method; the cron test asserts the queue_job rows it stores."""

import socket

from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.optics_kkt_driver.kkt.emulator.testing import running_emulator


def closed_port_url():
    """Return the URL of a local port nothing listens on (a device that is gone)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"socket://127.0.0.1:{port}"


@tagged("post_install", "-at_install")
class TestOpsDeviceCheck(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="ru54fz_check_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("optics_pos_ru54fz.ofd_alert_days", "20")
        cls.params.set_param("optics_pos_ru54fz.device_offline_grace", "5")

    def _device(self, url, name="Till 1"):
        return self.env["kkt.device"].create(
            {
                "name": name,
                "connection_url": url,
                "tz": "UTC",
                "breaker_threshold": 50,
            }
        )

    def _activities(self, device):
        return self.env["mail.activity"].search(
            [("res_model", "=", "kkt.device"), ("res_id", "=", device.id)]
        )

    def _alert_codes(self, device):
        return set(filter(None, (device.ru54fz_alert_codes or "").split(",")))

    def _emulator_with_unsent_documents(self, age_days):
        """Start an emulator whose OFD queue holds two documents ``age_days``
        old (a shift opened and closed, then the device clock moved on)."""
        url, control = self.enterContext(running_emulator(print_time=0.01))
        control.set_ofd_rate(0)
        device = self._device(url)
        device._kkt_call("open_shift")
        device._kkt_call("close_shift")
        control.advance_clock(hours=24 * age_days)
        return device, control

    def test_ofd_queue_25_days_old_alerts_managers_once(self):
        device, _control = self._emulator_with_unsent_documents(25)

        device._ru54fz_check_device()

        self.assertIn("ofd_overdue", self._alert_codes(device))
        ofd_activities = self._activities(device).filtered(
            lambda activity: "not confirmed by the OFD" in str(activity.note)
        )
        self.assertIn(self.manager, ofd_activities.user_id)
        self.assertIn("25 days old", str(ofd_activities[0].note))
        self.assertTrue(
            device.message_ids.filtered(
                lambda message: "not confirmed by the OFD" in str(message.body)
            )
        )

        activities_before = len(self._activities(device))
        device._ru54fz_check_device()
        self.assertEqual(len(self._activities(device)), activities_before)

    def test_ofd_queue_younger_than_the_alert_days_raises_no_ofd_alert(self):
        device, _control = self._emulator_with_unsent_documents(15)
        device._ru54fz_check_device()
        self.assertNotIn("ofd_overdue", self._alert_codes(device))

        self.params.set_param("optics_pos_ru54fz.ofd_alert_days", "10")
        device._ru54fz_check_device()
        self.assertIn("ofd_overdue", self._alert_codes(device))

    def test_cleared_condition_alerts_again_when_it_returns(self):
        device, control = self._emulator_with_unsent_documents(25)
        device._ru54fz_check_device()
        self.assertIn("ofd_overdue", self._alert_codes(device))

        control.set_ofd_rate(1000)
        device._ru54fz_check_device()
        self.assertNotIn("ofd_overdue", self._alert_codes(device))

    def test_shift_over_24_hours_alerts_once_without_a_blocked_duplicate(self):
        with running_emulator(print_time=0.01) as (url, control):
            device = self._device(url)
            device._kkt_call("open_shift")
            device._ru54fz_check_device()
            self.assertEqual(self._alert_codes(device), set())

            control.advance_clock(hours=25)
            device._ru54fz_check_device()

        self.assertIn("shift_over_24h", self._alert_codes(device))
        self.assertNotIn("blocked", self._alert_codes(device))
        notes = self._activities(device).mapped(lambda activity: str(activity.note))
        self.assertTrue(any("close it with a Z report" in note for note in notes))

    def test_device_offline_longer_than_grace_alerts(self):
        device = self._device(closed_port_url(), name="Gone")
        self.params.set_param("optics_pos_ru54fz.device_offline_grace", "0")

        device._ru54fz_check_device()

        self.assertEqual(device.link_state, "offline")
        self.assertEqual(self._alert_codes(device), {"offline"})
        self.assertEqual(
            device.ru54fz_trace_ids.mapped("outcome"), ["retry"], "one failed call"
        )

    def test_device_offline_within_grace_raises_no_alert(self):
        device = self._device(closed_port_url(), name="Flaky")
        device._ru54fz_check_device()
        self.assertEqual(self._alert_codes(device), set())

    def test_cron_enqueues_one_check_per_device_on_the_critical_channel(self):
        devices = self._device("socket://127.0.0.1:1", "A") | self._device(
            "socket://127.0.0.1:2", "B"
        )
        inactive = self._device("socket://127.0.0.1:3", "Old")
        inactive.active = False
        jobs = self.env["queue.job"].search(
            [("method_name", "=", "_ru54fz_check_device")]
        )

        self.env["kkt.device"]._ru54fz_cron_check_devices()
        self.env["kkt.device"]._ru54fz_cron_check_devices()

        new_jobs = (
            self.env["queue.job"].search([("method_name", "=", "_ru54fz_check_device")])
            - jobs
        )
        self.assertEqual(
            sorted(job.records.id for job in new_jobs), sorted(devices.ids)
        )
        self.assertEqual(set(new_jobs.mapped("channel")), {"root.critical"})
        for job in new_jobs:
            self.assertRegex(
                job.identity_key, rf"^ru54fz-device-check-{job.records.id}-\d{{12}}$"
            )

    def test_daily_cron_enqueues_reconciliation_and_purge_on_default(self):
        device = self._device("socket://127.0.0.1:1", "A")
        self.env["kkt.device"]._ru54fz_cron_daily()
        jobs = self.env["queue.job"].search(
            [
                (
                    "method_name",
                    "in",
                    ("_ru54fz_reconcile_shifts", "_ru54fz_purge_traces"),
                ),
                ("state", "=", "pending"),
            ]
        )
        self.assertEqual(set(jobs.mapped("channel")), {"root.default"})
        reconcile = jobs.filtered(
            lambda job: job.method_name == "_ru54fz_reconcile_shifts"
        )
        self.assertIn(device.id, [job.records.id for job in reconcile])
        self.assertEqual(len(jobs) - len(reconcile), 1)

    def test_purge_removes_only_traces_older_than_the_retention(self):
        with running_emulator(print_time=0.01) as (url, _control):
            device = self._device(url)
            device._kkt_call("status")
            device._kkt_call("status")
        old, recent = device.ru54fz_trace_ids.sorted("id")
        self.assertEqual(old.outcome, "ok")
        self.env.cr.execute(
            """
            UPDATE kkt_device_trace
               SET create_date = (now() AT TIME ZONE 'UTC') - interval '31 days'
             WHERE id = %s
            """,
            (old.id,),
        )
        self.params.set_param("optics_pos_ru54fz.trace_retention_days", "30")

        removed = self.env["kkt.device"]._ru54fz_purge_traces()

        self.assertGreaterEqual(removed, 1)
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
