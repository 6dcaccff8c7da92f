# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily shift reconciliation against orders fiscalised on the emulator:
a closed shift whose totals match, one whose Odoo totals were changed, and the
open shift left for later. Fiscal jobs are trapped and performed in-process;
the reconciliation job method is called directly."""

import json

from odoo.addons.optics_kkt_driver.kkt.session import KktSession

from ..models import shift_reconciliation
from ..models.shift_reconciliation import totals_from_document, totals_from_request
from .common import FiscalPipelineCase
from .ops_common import load_module_doctests

load_tests = load_module_doctests(shift_reconciliation)


class TestOpsShiftReconciliation(FiscalPipelineCase):
    def setUp(self):
        super().setUp()
        if not self.device._kkt_call("status").shift_open:
            self.device._kkt_call("open_shift")

    def _fiscalised(self, *ui_orders):
        orders, trap = self.sync_trapped(*ui_orders)
        for job in self.fiscal_jobs(trap):
            self.perform(job)
        self.assertEqual(set(orders.mapped("fiscal_state")), {"sent"})
        return orders

    def _reconciliation(self, orders):
        return self.device.ru54fz_reconciliation_ids.filtered(
            lambda record: record.shift_number == orders[0].fiscal_shift_number
        )

    def test_closed_shift_with_equal_totals_matches(self):
        orders = self._fiscalised(
            self.ui_order([(self.lens, 1)]),
            self.ui_order(
                [(self.book, 2), (self.frame, 1)],
                payments=[(self.card, 1000.0 + 2 * 110.0)],
            ),
        )
        self.device._kkt_call("close_shift")

        self.device._ru54fz_reconcile_shifts()
        self.device._ru54fz_reconcile_shifts()

        reconciliation = self._reconciliation(orders)
        self.assertEqual(len(reconciliation), 1, "a shift is reconciled once")
        self.assertEqual(reconciliation.state, "match", reconciliation.difference_text)
        self.assertEqual(reconciliation.order_count, 2)

    def test_changed_odoo_totals_are_reported_to_managers(self):
        orders = self._fiscalised(self.ui_order([(self.lens, 1)]))
        self.device._kkt_call("close_shift")
        self.env.cr.execute(
            """
            UPDATE pos_order_line
               SET price_subtotal_incl = price_subtotal_incl + 1
             WHERE order_id = %s
            """,
            (orders.id,),
        )
        self.env.invalidate_all()

        self.device._ru54fz_reconcile_shifts()

        reconciliation = self._reconciliation(orders)
        self.assertEqual(reconciliation.state, "difference")
        self.assertIn("Odoo 1501.00, KKT 1500.00", reconciliation.difference_text)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "kkt.device"), ("res_id", "=", self.device.id)]
        )
        self.assertIn(self.manager, activities.user_id)

    def test_open_shift_is_left_for_later(self):
        orders = self._fiscalised(self.ui_order([(self.frame, 1)]))
        self.device._ru54fz_reconcile_shifts()
        self.assertFalse(self._reconciliation(orders))

    def test_fn_document_totals_equal_the_accepted_request(self):
        orders = self._fiscalised(
            self.ui_order(
                [(self.lens, 1), (self.book, 3)],
                payments=[(self.cash, 1000.0), (self.card, 500.0 + 3 * 110.0)],
            )
        )
        with KktSession.connect(self.kkt_url) as session:
            document = session.read_document(orders.fiscal_fd_number)

        from_fn = totals_from_document(document)
        self.assertEqual(
            from_fn, totals_from_request(json.loads(orders.fiscal_request))
        )
        self.assertEqual(from_fn[("payment", "cash")], 100000)
        self.assertEqual(from_fn[("vat", "vat10")], 33000)
