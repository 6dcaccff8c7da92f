# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The device record: settings, access rights, POS link, texts for people."""

from datetime import datetime

import psycopg2.errors

from odoo.exceptions import AccessError
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import mute_logger

from ..kkt.receipt import TAX_SYSTEMS


class TestKktDevice(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.device = cls.env["kkt.device"].create(
            {"name": "Front desk", "connection_url": "socket://127.0.0.1:17399"}
        )
        cls.cashier = new_test_user(
            cls.env, login="hc_cashier", groups="point_of_sale.group_pos_user"
        )
        cls.manager = new_test_user(
            cls.env, login="hc_manager", groups="point_of_sale.group_pos_manager"
        )

    def test_tax_systems_are_those_the_driver_knows(self):
        selection = self.env["kkt.device"]._fields["tax_system"].selection
        self.assertEqual({key for key, _label in selection}, set(TAX_SYSTEMS))

    def test_pos_users_read_devices_but_cannot_change_them(self):
        device = self.device.with_user(self.cashier)
        self.assertEqual(device.name, "Front desk")
        with self.assertRaises(AccessError):
            device.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["kkt.device"].with_user(self.cashier).create({"name": "New"})

    def test_passwords_are_hidden_from_pos_users(self):
        with self.assertRaises(AccessError):
            self.device.with_user(self.cashier).read(["operator_password"])
        values = self.device.with_user(self.manager).read(
            ["operator_password", "admin_password"]
        )[0]
        self.assertEqual(
            (values["operator_password"], values["admin_password"]), (30, 30)
        )

    def test_pos_managers_configure_devices(self):
        device = (
            self.env["kkt.device"]
            .with_user(self.manager)
            .create(
                {"name": "Back office", "connection_url": "/dev/ttyS0", "protocol": "2"}
            )
        )
        device.write({"operator_password": 1, "tax_system": "usn_income"})
        self.assertEqual(device.operator_password, 1)

    def test_linking_a_point_of_sale_shows_it_on_the_device(self):
        config = self.env["pos.config"].create({"name": "Shop 1"})
        config.kkt_device_id = self.device
        self.assertEqual(self.device.pos_config_ids, config)

    def test_pos_settings_choose_the_device_of_a_point_of_sale(self):
        config = self.env["pos.config"].create({"name": "Shop 2"})
        settings = self.env["res.config.settings"].create(
            {"pos_config_id": config.id, "pos_kkt_device_id": self.device.id}
        )
        settings.execute()
        self.assertEqual(config.kkt_device_id, self.device)

    def test_device_never_called_is_not_checked_yet(self):
        self.assertEqual(self.device.link_state, "unknown")
        self.assertIn(
            self.device, self.env["kkt.device"].search([("link_state", "=", "unknown")])
        )
        self.assertNotIn(
            self.device, self.env["kkt.device"].search([("link_state", "=", "online")])
        )
        self.assertIn(
            self.device,
            self.env["kkt.device"].search([("link_state", "not in", ["online"])]),
        )
        self.assertNotIn(
            self.device,
            self.env["kkt.device"].search([("link_state", "!=", "unknown")]),
        )

    def test_fn_warnings_read_as_sentences(self):
        self.device.fn_warning_codes = "resource_low,archive_90"
        self.assertEqual(
            self.device.warnings_text,
            "The FN resource is running out (less than 30 days left).\n"
            "The FN archive is more than 90 percent full.",
        )
        self.env["res.lang"]._activate_lang("ru_RU")
        russian = self.device.with_context(lang="ru_RU")
        self.assertIn("ФН", russian.warnings_text)

    def test_device_clock_times_are_stored_in_utc(self):
        self.device.tz = "Europe/Moscow"
        stored = self.device._kkt_device_time_to_utc(datetime(2026, 12, 4, 12, 0))
        self.assertEqual(stored, datetime(2026, 12, 4, 9, 0))

    def test_deleting_a_device_used_by_a_point_of_sale_is_refused(self):
        config = self.env["pos.config"].create({"name": "Shop 3"})
        config.kkt_device_id = self.device
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            self.cr.savepoint(),
        ):
            self.device.unlink()
