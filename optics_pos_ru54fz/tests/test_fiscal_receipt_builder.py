# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""POS orders map to the receipts the KKT takes: taxes, discounts, payments.

How jobs run: no job is performed here; orders are synced with their jobs
trapped and the receipt is built from the stored order.
"""

from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.optics_kkt_driver.kkt.receipt import REFUND, SALE

from ..models import account_tax, fiscal_receipt_builder
from .common import FiscalPipelineCase
from .ops_common import load_module_doctests

_builder_doctests = load_module_doctests(fiscal_receipt_builder)
_tax_doctests = load_module_doctests(account_tax)


def load_tests(loader, tests, ignore):
    """Add the doctests of the receipt builder and of the tax code guess."""
    tests = _builder_doctests(loader, tests, ignore)
    return _tax_doctests(loader, tests, ignore)


@tagged("post_install", "-at_install")
class TestFiscalReceiptBuilder(FiscalPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.discount = cls.env["product.product"].create(
            {
                "name": "Discount",
                "available_in_pos": True,
                "lst_price": 0.0,
                "taxes_id": [(6, 0, cls.tax_22_included.ids)],
            }
        )

    def receipt_of(self, ui_order):
        (order,), _trap = self.sync_trapped(ui_order)
        return order, order._ru54fz_build_receipt()

    def test_taxes_get_kkt_codes_from_their_rate(self):
        self.assertEqual(self.tax_22_included.kkt_tax_code, "vat22")
        self.assertEqual(self.tax_10.kkt_tax_code, "vat10")
        self.assertFalse(self.tax_18.kkt_tax_code)
        tax_22 = self.tax_10.copy({"name": "VAT 22% (test)", "amount": 22})
        self.assertEqual(tax_22.kkt_tax_code, "vat22")
        no_vat = self.tax_10.copy({"name": "VAT 0% (test)", "amount": 0})
        self.assertEqual(no_vat.kkt_tax_code, "vat0")

    def test_sale_lines_carry_price_tax_and_product_tags(self):
        self.book.kkt_payment_subject = "4"
        order, receipt = self.receipt_of(
            self.ui_order([(self.lens, 2), (self.book, 1)], contact="a@example.com")
        )

        self.assertEqual(receipt.operation, SALE)
        self.assertEqual(receipt.mark, self.mark(order))
        lens, book = receipt.lines
        self.assertEqual((lens.price, lens.quantity, lens.amount), (150000, 2, 300000))
        self.assertEqual(
            (lens.tax, lens.payment_method, lens.payment_subject), ("vat22", 4, 1)
        )
        self.assertEqual(
            (book.amount, book.tax, book.payment_subject), (11000, "vat10", 4)
        )
        self.assertEqual(receipt.cash, 311000)
        self.assertEqual(receipt.buyer_contact, "a@example.com")
        self.assertEqual(receipt.tax_system, "osn")
        self.assertEqual(receipt.cashier_name, self.env.user.name)

    def test_prepayment_lines_get_the_calculated_rate(self):
        self.lens.kkt_payment_method = "1"
        _order, receipt = self.receipt_of(
            self.ui_order([(self.lens, 1), (self.book, 1)])
        )

        lens, book = receipt.lines
        self.assertEqual((lens.payment_method, lens.tax), (1, "vat122"))
        self.assertEqual((book.payment_method, book.tax), (4, "vat10"))

    def test_discount_line_is_spread_into_line_prices(self):
        _order, receipt = self.receipt_of(
            self.ui_order(
                [(self.lens, 1), (self.frame, 3), (self.discount, 1, 0.0, -100.0)]
            )
        )

        self.assertEqual(receipt.total, 440000)
        self.assertTrue(all(line.amount >= 0 for line in receipt.lines))
        for line in receipt.lines:
            self.assertLessEqual(abs(line.price * line.quantity - line.amount), 0)
        frames = [line for line in receipt.lines if line.name == "Frame"]
        self.assertEqual(sum(line.quantity for line in frames), Decimal(3))
        self.assertEqual(len(frames), 2, "3 frames at 2933.33 need two prices")

    def test_cash_and_card_payments_are_split(self):
        _order, receipt = self.receipt_of(
            self.ui_order(
                [(self.lens, 1)], payments=[(self.cash, 500), (self.card, 1000)]
            )
        )

        self.assertEqual((receipt.cash, receipt.electronic), (50000, 100000))

    def test_payment_kind_follows_the_cash_count_flag_and_can_change(self):
        self.assertEqual(self.cash.kkt_payment_kind, "cash")
        self.assertEqual(self.card.kkt_payment_kind, "electronic")
        voucher = self.card.copy({"name": "Voucher (test)"})
        voucher.kkt_payment_kind = "cash"
        self.assertEqual(voucher.kkt_payment_kind, "cash")

    def test_refund_is_a_return_receipt_with_positive_amounts(self):
        (sale,), _trap = self.sync_trapped(self.ui_order([(self.frame, 2)]))
        sale.write({"fiscal_state": "not_required"})
        order, receipt = self.receipt_of(
            self.ui_order([(self.frame, -2)], refund_of={self.frame: sale.lines})
        )

        self.assertEqual(receipt.operation, REFUND)
        self.assertEqual(receipt.total, 200000)
        self.assertEqual(receipt.cash, 200000)
        self.assertEqual(receipt.lines[0].quantity, 2)

    def test_partner_contact_is_used_when_none_was_typed(self):
        partner = self.env["res.partner"].create(
            {"name": "Buyer", "email": "not an e-mail", "mobile": "8 (999) 123-45-67"}
        )
        ui_order = self.ui_order([(self.book, 1)])
        ui_order["data"]["partner_id"] = partner.id
        _order, receipt = self.receipt_of(ui_order)

        self.assertEqual(receipt.buyer_contact, "+79991234567")

    def test_payload_check_names_the_line_with_an_unmapped_tax(self):
        messages = self.env["pos.order"].ru54fz_check_fiscal_payload(
            self.ui_order([(self.book, 1), (self.old_rate_item, 1)])
        )

        self.assertEqual(len(messages), 1)
        self.assertIn("Line 2 (Old rate item)", messages[0])
        self.assertIn(self.tax_18.name, messages[0])

    def test_payload_check_reports_an_overlong_buyer_contact(self):
        contact = "x" * 60 + "@example.com"
        messages = self.env["pos.order"].ru54fz_check_fiscal_payload(
            self.ui_order([(self.book, 1)], contact=contact)["data"]
        )

        self.assertEqual(len(messages), 1)
        self.assertIn(contact, messages[0])

    def test_payload_check_accepts_a_valid_order(self):
        self.assertEqual(
            self.env["pos.order"].ru54fz_check_fiscal_payload(
                self.ui_order([(self.lens, 1), (self.book, 2)], contact="+79991234567")
            ),
            [],
        )
