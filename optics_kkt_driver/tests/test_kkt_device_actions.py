# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The buttons of the device form, against a running emulator."""

import json

from odoo.tests.common import new_test_user

from .common import UNUSED_URL, KktDeviceCase

FN_SERIAL = "9999078900012345"
X_REPORT = 0x40


class TestKktDeviceActions(KktDeviceCase):
    def assertNotification(self, action, kind):
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], kind, action["params"]["message"])
        return action["params"]["message"]

    def test_test_connection_stores_what_the_device_reports(self):
        message = self.assertNotification(
            self.device.action_kkt_test_connection(), "success"
        )

        self.assertIn(self.device.mode_text, message)
        self.assertEqual(self.device.link_state, "online")
        self.assertEqual(self.device.fn_serial, FN_SERIAL)
        self.assertFalse(self.device.shift_open)
        self.assertTrue(self.device.fn_expiry)
        self.assertTrue(self.device.model_name)
        self.assertTrue(self.device.last_check_at)
        self.assertEqual(self.device.last_fd_number, self.emulator.state()["fd"])

    def test_protocol_2_devices_are_read_the_same_way(self):
        url, _control = self.start_emulator(protocol=2)
        device = self.create_device(url, protocol="2")

        self.assertNotification(device.action_kkt_test_connection(), "success")

        self.assertEqual(device.fn_serial, FN_SERIAL)
        self.assertEqual(device.link_state, "online")

    def test_paper_out_shows_the_device_blocked_with_what_to_do(self):
        self.emulator.paper_out()

        message = self.assertNotification(
            self.device.action_kkt_test_connection(), "warning"
        )

        self.assertTrue(self.device.paper_out)
        self.assertEqual(self.device.link_state, "blocked")
        self.assertIn("paper", self.device.blocked_reason)
        self.assertIn(self.device.blocked_reason, message)

    def test_shift_over_24_hours_shows_the_device_blocked(self):
        self.device.action_kkt_open_shift()
        self.emulator.advance_clock(hours=25)

        self.device.action_kkt_test_connection()

        self.assertTrue(self.device.shift_expired)
        self.assertEqual(self.device.link_state, "blocked")
        self.assertIn("24 hours", self.device.blocked_reason)
        self.assertGreaterEqual(self.device.shift_age_hours, 25)
        self.assertGreaterEqual(self.device.clock_offset, 25 * 3600 - 60)

    def test_open_shift_opens_it_on_the_device(self):
        message = self.assertNotification(
            self.device.action_kkt_open_shift(), "success"
        )

        shift = self.emulator.state()["shift"]
        self.assertTrue(shift["open"])
        self.assertIn(str(shift["number"]), message)
        self.assertTrue(self.device.shift_open)
        self.assertEqual(self.device.shift_number, shift["number"])
        self.assertTrue(self.device.shift_opened_at)

    def test_cashiers_open_the_shift_without_seeing_the_passwords(self):
        cashier = new_test_user(
            self.env, login="hc_cashier", groups="point_of_sale.group_pos_user"
        )

        self.assertNotification(
            self.device.with_user(cashier).action_kkt_open_shift(), "success"
        )

        self.assertTrue(self.emulator.state()["shift"]["open"])

    def test_open_shift_twice_says_the_shift_is_already_open(self):
        self.device.action_kkt_open_shift()
        documents = len(self.emulator.documents())

        message = self.assertNotification(self.device.action_kkt_open_shift(), "danger")

        self.assertIn("already open", message)
        self.assertEqual(len(self.emulator.documents()), documents)
        self.assertEqual(self.device.link_state, "online")

    def test_x_report_prints_and_keeps_the_shift_open(self):
        self.device.action_kkt_open_shift()

        self.assertNotification(self.device.action_kkt_x_report(), "success")

        self.assertEqual(self.emulator.counter(X_REPORT), 1)
        self.assertTrue(self.emulator.state()["shift"]["open"])
        self.assertTrue(self.device.shift_open)

    def test_z_report_closes_the_shift(self):
        self.device.action_kkt_open_shift()
        shift_number = self.device.shift_number

        message = self.assertNotification(
            self.device.action_kkt_close_shift(), "success"
        )

        self.assertFalse(self.emulator.state()["shift"]["open"])
        self.assertFalse(self.device.shift_open)
        self.assertIn(str(shift_number), message)

    def test_unreachable_device_shows_offline_with_the_reason(self):
        self.device.connection_url = UNUSED_URL

        message = self.assertNotification(
            self.device.action_kkt_test_connection(), "danger"
        )

        self.assertIn(UNUSED_URL, message)
        self.assertEqual(self.device.link_state, "offline")
        self.assertEqual(self.device.link_failures, 1)
        self.assertIn(UNUSED_URL, self.device.last_error)
        self.assertTrue(self.device.offline_since)

    def test_errors_are_shown_in_russian_to_russian_users(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.device.connection_url = UNUSED_URL

        message = self.assertNotification(
            self.device.with_context(lang="ru_RU").action_kkt_test_connection(),
            "danger",
        )

        self.assertIn("не удалось открыть порт", message.lower())

    def test_status_is_pushed_to_open_pos_sessions_of_linked_configs(self):
        config = self.env["pos.config"].create(
            {"name": "Shop with KKT", "kkt_device_id": self.device.id}
        )
        session = self.env["pos.session"].create({"config_id": config.id})
        channel = session._get_bus_channel_name()

        self.device.action_kkt_test_connection()
        self.env.cr.flush()

        notifications = self.env["bus.bus"].search(
            [
                (
                    "channel",
                    "=",
                    json.dumps([self.env.cr.dbname, channel], separators=(",", ":")),
                )
            ]
        )
        messages = [json.loads(note.message) for note in notifications]
        statuses = [m["payload"] for m in messages if m["type"] == "KKT_DEVICE_STATUS"]
        self.assertEqual(len(statuses), 1)
        self.assertEqual(statuses[0]["id"], self.device.id)
        self.assertEqual(statuses[0]["link_state"], "online")
        self.assertFalse(statuses[0]["shift_open"])
