# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receipts through the guarded entry point, as the fiscal job sends them."""

from ..kkt.receipt import Receipt, ReceiptError, ReceiptLine
from .common import KktDeviceCase


def lens_receipt(mark, amount=150000):
    line = ReceiptLine("Lens", amount, 1, amount, "vat22")
    return Receipt([line], mark=mark, electronic=amount)


class TestKktDeviceReceipts(KktDeviceCase):
    def setUp(self):
        super().setUp()
        self.device._kkt_call("open_shift")

    def test_receipt_is_fiscalised_once_even_when_sent_twice(self):
        first = self.device._kkt_call("fiscalise", lens_receipt("hc-0001"))
        again = self.device._kkt_call("fiscalise", lens_receipt("hc-0001"))

        self.assertEqual(again.fd_number, first.fd_number)
        self.assertTrue(again.recovered)
        receipts = [
            doc for doc in self.emulator.documents() if doc.get("mark") == "hc-0001"
        ]
        self.assertEqual(len(receipts), 1)
        self.assertEqual(self.device.link_state, "online")

    def test_invalid_receipt_is_refused_without_touching_the_device_state(self):
        invalid = Receipt([], mark="hc-0002", electronic=0)
        self.emulator.reset_counters()

        with self.assertRaises(ReceiptError):
            self.device._kkt_call("fiscalise", invalid)

        self.assertEqual(self.emulator.state()["counters"], {})
        self.assertEqual(self.device.link_failures, 0)
        self.assertFalse(self.device.last_error)

    def test_refund_prints_a_sale_return(self):
        self.device._kkt_call("fiscalise", lens_receipt("hc-0003"))

        result = self.device._kkt_call("refund", lens_receipt("hc-0003r"))

        self.assertEqual(result.operation, 2)
        self.assertFalse(result.recovered)
