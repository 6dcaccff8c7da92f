# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A failed call reaches the point of sale even when the caller rolls back."""

import json

from odoo.tests import TransactionCase, tagged

from ..kkt.errors import LinkError
from .common import UNUSED_URL, enter_committed_device, worker_env


# After installation, with committed records: the notification is sent from a
# transaction of its own, which only sees committed data.
@tagged("post_install", "-at_install")
class TestKktDeviceBus(TransactionCase):
    def setUp(self):
        super().setUp()
        self.device_id = enter_committed_device(
            self, name="Unplugged KKT", connection_url=UNUSED_URL
        )
        with worker_env(self.registry, self.env.uid) as env:
            config = env["pos.config"].create(
                {"name": "Shop with an unplugged KKT", "kkt_device_id": self.device_id}
            )
            session = env["pos.session"].create({"config_id": config.id})
            self.channel = session._get_bus_channel_name()
            self.addCleanup(self.delete_pos, config.id, session.id)

    def delete_pos(self, config_id, session_id):
        with worker_env(self.registry, self.env.uid) as env:
            env["pos.session"].browse(session_id).unlink()
            env["pos.config"].browse(config_id).unlink()
            channel = json.dumps([env.cr.dbname, self.channel], separators=(",", ":"))
            env["bus.bus"].search([("channel", "=", channel)]).unlink()

    def device_notifications(self):
        with worker_env(self.registry, self.env.uid) as env:
            channel = json.dumps([env.cr.dbname, self.channel], separators=(",", ":"))
            notes = env["bus.bus"].search([("channel", "=", channel)])
            messages = [json.loads(note.message) for note in notes]
        return [m["payload"] for m in messages if m["type"] == "KKT_DEVICE_STATUS"]

    def test_offline_device_is_announced_although_the_caller_rolls_back(self):
        with worker_env(self.registry, self.env.uid) as env:
            device = env["kkt.device"].browse(self.device_id)
            with self.assertRaises(LinkError):
                device._kkt_call("status")
            env.cr.rollback()

        notifications = self.device_notifications()
        self.assertEqual(len(notifications), 1)
        self.assertEqual(notifications[0]["link_state"], "offline")
        self.assertIn(UNUSED_URL, notifications[0]["last_error"])
