# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refunds print a return receipt referencing the original's fiscal document.

How jobs run: syncs trap their jobs; the fiscal jobs are performed in-process
against the running emulator.
"""

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optics_kkt_driver.kkt.receipt import REFUND

from .common import FiscalPipelineCase


@tagged("post_install", "-at_install")
class TestFiscalRefund(FiscalPipelineCase):
    def refund_of(self, sale, quantity=-1):
        return self.ui_order(
            [(self.frame, quantity)], refund_of={self.frame: sale.lines}
        )

    def test_refund_refused_before_and_accepted_after_the_original_is_printed(self):
        (sale,), sale_trap = self.sync_trapped(self.ui_order([(self.frame, 2)]))

        with (
            mute_logger("odoo.addons.point_of_sale.models.pos_order"),
            self.assertRaisesRegex(UserError, sale.name),
        ):
            self.sync(self.refund_of(sale))

        self.perform(self.fiscal_jobs(sale_trap)[0])
        (refund,), refund_trap = self.sync_trapped(self.refund_of(sale))
        self.perform(self.fiscal_jobs(refund_trap)[0])

        self.assertEqual(refund.fiscal_state, "sent")
        self.assertGreater(refund.fiscal_fd_number, sale.fiscal_fd_number)
        mark = f"{sale.fiscal_fd_number}R{refund.id}"
        (document,) = self.documents_with_mark(mark)
        self.assertEqual(document["operation"], REFUND)
        self.assertEqual(document["total"], 100000)
        self.assertIn("&n=2", refund.fiscal_qr)

    def test_refund_of_an_order_without_kkt_is_accepted(self):
        (sale,), _trap = self.sync_trapped(self.ui_order([(self.frame, 1)]))
        sale.write({"fiscal_state": "not_required"})

        (refund,), _refund_trap = self.sync_trapped(self.refund_of(sale))

        self.assertEqual(refund.fiscal_state, "to_send")
