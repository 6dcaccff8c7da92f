# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The device form in a real browser, against a running emulator."""

from odoo.tests import HttpCase, tagged

from odoo.addons.optics_kkt_driver.kkt.emulator.testing import running_emulator

from .common import forget_link_state, free_port_pair


@tagged("post_install", "-at_install")
class TestKktDeviceTour(HttpCase):
    def test_manager_tests_the_connection_and_opens_a_shift(self):
        port = free_port_pair()
        url, emulator = self.enterContext(
            running_emulator(port=port, control=port + 1, print_time=0.01)
        )
        device = self.env["kkt.device"].create(
            {"name": "Tour KKT", "connection_url": url, "tz": "UTC"}
        )
        self.addCleanup(forget_link_state, self.registry, device.id)

        self.start_tour("/web", "optics_kkt_device_buttons", login="admin")

        self.assertTrue(emulator.state()["shift"]["open"])
