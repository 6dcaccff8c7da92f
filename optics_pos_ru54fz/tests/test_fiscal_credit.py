# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sales on the customer's account are credit receipts (tag 1216) whose lines
are on credit (tag 1214 5 or 6), and so are their returns.

How jobs run: syncs trap their jobs; the fiscal jobs are performed in-process
against the running emulator, whose FN documents are read back.
"""

import importlib.util
from pathlib import Path

from odoo.tests import tagged

from odoo.addons.optics_kkt_driver.kkt.receipt import REFUND, ReceiptError
from odoo.addons.optics_kkt_driver.kkt.tlv import parse_tlvs, parse_vln

from ..models.shift_reconciliation import totals_from_document
from .common import FiscalPipelineCase, create_pos_config, pos_ui_order

TAG_CASH = 1031
TAG_CREDIT = 1216
TAG_OPERATION = 1054
TAG_ITEM = 1059
TAG_PAYMENT_METHOD = 1214
MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "migrations"
    / "17.0.1.1.0"
    / "post-migrate.py"
)


@tagged("post_install", "-at_install")
class TestFiscalCredit(FiscalPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_account = cls.env["pos.payment.method"].create(
            {"name": "Customer Account (test)"}
        )
        cls.credit_config = create_pos_config(cls.env, cls.device, "Credit", "CRD")
        cls.credit_config.payment_method_ids |= cls.customer_account
        cls.credit_cash = cls.credit_config.payment_method_ids.filtered("is_cash_count")
        cls.credit_config.open_ui()
        cls.credit_session = cls.credit_config.current_session_id
        cls.customer = cls.env["res.partner"].create({"name": "Customer on account"})

    def setUp(self):
        super().setUp()
        if not self.device._kkt_call("status").shift_open:
            self.device._kkt_call("open_shift")

    def credit_order(self, lines, payments, refund_of=None):
        """An order of the POS with a customer account, for the test customer."""
        order = pos_ui_order(self.credit_session, lines, payments, None, refund_of)
        order["data"]["partner_id"] = self.customer.id
        return order

    def receipt_of(self, ui_order):
        (order,), _trap = self.sync_trapped(ui_order)
        return order._ru54fz_build_receipt()

    def fiscalised(self, ui_order):
        (order,), trap = self.sync_trapped(ui_order)
        self.perform(self.fiscal_jobs(trap)[0])
        self.assertEqual(order.fiscal_state, "sent", order.fiscal_last_error)
        return order

    def stored_tags(self, order):
        """The FN document of ``order``: top-level tags, and 1214 of each item."""
        tlvs = [
            (tag, bytes.fromhex(value))
            for tag, value in self.emulator.document(order.fiscal_fd_number)["tlvs"]
        ]
        methods = [
            dict(parse_tlvs(value))[TAG_PAYMENT_METHOD][0]
            for tag, value in tlvs
            if tag == TAG_ITEM
        ]
        return dict(tlvs), methods

    def test_customer_account_is_recorded_as_credit_and_can_change(self):
        self.assertEqual(self.customer_account.type, "pay_later")
        self.assertEqual(self.customer_account.kkt_payment_kind, "credit")
        self.assertEqual(self.credit_cash.kkt_payment_kind, "cash")
        self.assertEqual(self.card.kkt_payment_kind, "electronic")
        other_account = self.customer_account.copy({"name": "Account (test)"})
        other_account.kkt_payment_kind = "electronic"
        self.assertEqual(other_account.kkt_payment_kind, "electronic")

    def test_an_order_fully_on_account_is_a_credit_receipt_with_lines_6(self):
        receipt = self.receipt_of(
            self.credit_order(
                [(self.lens, 1), (self.book, 2)], [(self.customer_account, 1720.0)]
            )
        )

        self.assertEqual((receipt.cash, receipt.electronic), (0, 0))
        self.assertEqual(receipt.credit, 172000)
        self.assertEqual(receipt.total, 172000)
        self.assertEqual([line.payment_method for line in receipt.lines], [6, 6])

    def test_an_order_partly_on_account_keeps_the_cash_and_has_lines_5(self):
        receipt = self.receipt_of(
            self.credit_order(
                [(self.lens, 1), (self.frame, 1)],
                [(self.credit_cash, 500.0), (self.customer_account, 2000.0)],
            )
        )

        self.assertEqual((receipt.cash, receipt.credit), (50000, 200000))
        self.assertEqual([line.payment_method for line in receipt.lines], [5, 5])

    def test_a_prepayment_product_on_account_is_refused_naming_the_line(self):
        self.frame.kkt_payment_method = "2"
        ui_order = self.credit_order(
            [(self.lens, 1), (self.frame, 1)], [(self.customer_account, 2500.0)]
        )

        (message,) = self.env["pos.order"].ru54fz_check_fiscal_payload(ui_order)

        self.assertIn("Line 2 (Frame)", message)
        self.assertIn("Partial prepayment", message)
        self.assertIn(
            "set the product's Fiscal Payment Method to Full payment", message
        )
        with self.assertRaisesRegex(ReceiptError, "Line 2"):
            self.receipt_of(ui_order)

    def test_a_product_on_credit_paid_in_full_is_refused_naming_the_line(self):
        self.book.kkt_payment_method = "6"

        (message,) = self.env["pos.order"].ru54fz_check_fiscal_payload(
            self.credit_order([(self.book, 1)], [(self.credit_cash, 110.0)])
        )

        self.assertIn("Line 1 (Book) is sold on credit", message)
        self.assertIn("Take part of the payment with the customer account", message)

    def test_a_product_set_on_credit_follows_the_order_payments(self):
        self.lens.kkt_payment_method = "6"
        receipt = self.receipt_of(
            self.credit_order(
                [(self.lens, 1)],
                [(self.credit_cash, 100.0), (self.customer_account, 1400.0)],
            )
        )

        self.assertEqual(receipt.lines[0].payment_method, 5)

    def test_a_fiscalised_order_on_account_holds_tag_1216_in_the_fn(self):
        order = self.fiscalised(
            self.credit_order(
                [(self.lens, 1), (self.frame, 1)],
                [(self.credit_cash, 500.0), (self.customer_account, 2000.0)],
            )
        )

        tags, methods = self.stored_tags(order)
        self.assertEqual(parse_vln(tags[TAG_CREDIT]), 200000)
        self.assertEqual(parse_vln(tags[TAG_CASH]), 50000)
        self.assertEqual(methods, [5, 5])
        self.assertIn("s=2500.00", order.fiscal_qr)

    def test_the_return_of_a_sale_on_account_is_a_return_on_credit(self):
        sale = self.fiscalised(
            self.credit_order([(self.frame, 2)], [(self.customer_account, 2000.0)])
        )

        refund = self.fiscalised(
            self.credit_order(
                [(self.frame, -1)],
                [(self.customer_account, -1000.0)],
                refund_of={self.frame: sale.lines},
            )
        )

        tags, methods = self.stored_tags(refund)
        self.assertEqual(parse_vln(tags[TAG_OPERATION]), REFUND)
        self.assertEqual(parse_vln(tags[TAG_CREDIT]), 100000)
        self.assertNotIn(TAG_CASH, tags)
        self.assertEqual(methods, [6])

    def test_shift_reconciliation_matches_credit_as_its_own_payment_kind(self):
        order = self.fiscalised(
            self.credit_order(
                [(self.lens, 1)],
                [(self.credit_cash, 300.0), (self.customer_account, 1200.0)],
            )
        )
        document = self.device._ru54fz_read_document(order.fiscal_fd_number)
        self.device._kkt_call("close_shift")

        self.device._ru54fz_reconcile_shifts()

        totals = totals_from_document(document)
        self.assertEqual(totals[("payment", "credit")], 120000)
        self.assertEqual(totals[("payment", "cash")], 30000)
        reconciliation = self.device.ru54fz_reconciliation_ids.filtered(
            lambda record: record.shift_number == order.fiscal_shift_number
        )
        self.assertEqual(reconciliation.state, "match", reconciliation.difference_text)

    def test_update_from_1_0_makes_customer_account_methods_credit(self):
        methods = self.env["pos.payment.method"]
        account = methods.create({"name": "Account (1.0)"})
        card = methods.create(
            {"name": "Card (1.0)", "journal_id": self.card.journal_id.id}
        )
        # As 17.0.1.0.0 computed them; the new computation is not redone on update.
        self.env.cr.execute(
            "UPDATE pos_payment_method SET kkt_payment_kind = 'electronic' "
            "WHERE id IN %s",
            [tuple((account | card).ids)],
        )
        spec = importlib.util.spec_from_file_location("post_migrate", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)

        migration.migrate(self.env.cr, "17.0.1.0.0")

        self.env.invalidate_all()
        self.assertEqual(account.kkt_payment_kind, "credit")
        self.assertEqual(card.kkt_payment_kind, "electronic")
