# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Device settings that keep fiscal data right: passwords in range, the clock
time zone and its warning, status writes under concurrency, copied databases."""

from odoo.exceptions import ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from .common import KktDeviceCase, enter_committed_device, worker_env


@tagged("post_install", "-at_install")
class TestKktDeviceSettings(KktDeviceCase):
    def test_passwords_out_of_the_protocol_range_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "0 to 4294967295"):
            self.create_device(self.emulator_url, operator_password=-1)
        with self.assertRaisesRegex(ValidationError, "system administrator 30"):
            self.device.admin_password = 2**32

        self.device.write({"operator_password": 1, "admin_password": 0})
        self.assertEqual(self.device.operator_password, 1)

    def test_clock_time_zone_defaults_to_the_company_else_moscow(self):
        self.env.user.tz = "Europe/Brussels"
        self.env.company.partner_id.tz = False
        device = self.env["kkt.device"].create({"name": "No zone"})
        self.assertEqual(device.tz, "Europe/Moscow")

        self.env.company.partner_id.tz = "Asia/Yekaterinburg"
        device = self.env["kkt.device"].create({"name": "Company zone"})
        self.assertEqual(device.tz, "Asia/Yekaterinburg")

    def test_clock_off_by_more_than_five_minutes_is_a_warning(self):
        self.device._kkt_call("status")
        self.assertNotIn("minutes off", self.device.warnings_text or "")

        self.emulator.advance_clock(hours=1)
        self.device._kkt_call("status")

        self.assertIn("KKT clock is 60 minutes off", self.device.warnings_text)
        self.assertIn("time zone", self.device.warnings_text)

    def test_status_is_not_written_while_another_transaction_writes_the_device(
        self,
    ):
        device_id = enter_committed_device(
            self, name="Shared KKT", connection_url=self.emulator_url
        )
        with worker_env(self.registry, self.env.uid) as holder_env:
            holder_env.cr.execute(
                "UPDATE kkt_device SET name = name WHERE id = %s", (device_id,)
            )
            with worker_env(self.registry, self.env.uid) as env:
                device = env["kkt.device"].browse(device_id)
                status = device._kkt_call("status")
                self.assertTrue(status.serial_number)
                self.assertFalse(device.status_checked_at)

        with worker_env(self.registry, self.env.uid) as env:
            device = env["kkt.device"].browse(device_id)
            device._kkt_call("status")
            self.assertTrue(device.status_checked_at)
            self.assertEqual(device.serial_number, status.serial_number)

    def test_neutralized_copy_of_the_database_archives_its_devices(self):
        for query in get_neutralization_queries(["optics_kkt_driver"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()

        self.assertFalse(self.device.active)
