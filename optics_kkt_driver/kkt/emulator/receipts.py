# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A receipt in progress on the emulated device and the FFD tags it turns into.

Items arrive through FF46 (plus FF4D tags), receipt tags through FF0C; FF45 turns
the whole receipt into the TLV body of a fiscal document.
"""

from dataclasses import asdict, dataclass, field

from ..tlv import tlv, tlv_stlv, tlv_string, tlv_uint, tlv_vln, vln

# Receipt type of command 8Dh and the operation (tag 1054) it carries.
OPERATION_OF_KIND = {0: 1, 1: 3, 2: 2, 3: 4}
KIND_OF_OPERATION = {op: kind for kind, op in OPERATION_OF_KIND.items()}

# FF46 tax code -> tag 1199 value.
VAT_OF_CODE = {
    0x01: 1,
    0x02: 2,
    0x04: 5,
    0x08: 6,
    0x10: 3,
    0x20: 4,
    0x81: 7,
    0x82: 8,
    0x84: 9,
    0x88: 10,
    0xCB: 11,
    0xCC: 12,
}
# Tag 1199 value -> VAT percent included in the price (None: not subject to VAT).
VAT_PERCENT = {1: 20, 2: 10, 3: 20, 4: 10, 5: 0, 6: None, 7: 5, 8: 7}
VAT_PERCENT.update({9: 5, 10: 7, 11: 22, 12: 22})
# With setting T17F71 = 1 the device books 20 % as 22 % from 2026 on.
VAT_2026 = {1: 11, 3: 12}
QUANTITY_SCALE = 10**6
COMPUTE = 0xFFFFFFFFFF
# Tag 1214 values of an item handed over on credit: 5 partly paid, 6 not paid.
CREDIT_METHODS = (5, 6)


@dataclass
class Item:
    """One FF46 operation with the item tags FF4D attached to it."""

    operation: int
    quantity: int
    price: int
    amount: int
    vat: int
    department: int
    payment_method: int
    payment_subject: int
    name: str
    tlvs: list = field(default_factory=list)

    def vat_amount(self):
        percent = VAT_PERCENT[self.vat]
        if percent is None:
            return None
        return (self.amount * percent * 2 + 100 + percent) // (2 * (100 + percent))

    def to_tlv(self):
        """Tag 1059 with name, price, quantity, sum, VAT, 1214 and 1212."""
        children = [
            tlv_string(1030, self.name),
            tlv_vln(1079, self.price),
            tlv(1023, quantity_fvln(self.quantity)),
            tlv_vln(1043, self.amount),
            tlv_uint(1199, self.vat, 1),
        ]
        vat_amount = self.vat_amount()
        if vat_amount is not None:
            children.append(tlv_vln(1200, vat_amount))
        children += [
            tlv_uint(1214, self.payment_method, 1),
            tlv_uint(1212, self.payment_subject, 1),
            *(bytes.fromhex(data) for data in self.tlvs),
        ]
        return tlv_stlv(1059, children)


def quantity_fvln(quantity):
    """FVLN of a quantity given in millionths, with as few decimals as exact.

    >>> quantity_fvln(1_500_000).hex(" "), quantity_fvln(2_000_000).hex(" ")
    ('01 0f', '00 02')
    """
    decimals = 6
    while decimals and quantity % 10 == 0:
        quantity //= 10
        decimals -= 1
    return bytes([decimals]) + vln(quantity)


def line_amount(price, quantity):
    """Price times quantity (in millionths), rounded half up to a kopeck.

    >>> line_amount(1999, 1_500_000)
    2999
    """
    return (price * quantity + QUANTITY_SCALE // 2) // QUANTITY_SCALE


@dataclass
class OpenReceipt:
    """The receipt between 8Dh (or the first FF46) and FF45 or 88h."""

    kind: int
    operator: int
    items: list = field(default_factory=list)
    tlvs: list = field(default_factory=list)

    @classmethod
    def from_dict(cls, data):
        items = [Item(**item) for item in data.pop("items")]
        return cls(items=items, **data)

    def to_dict(self):
        return asdict(self)

    @property
    def operation(self):
        return OPERATION_OF_KIND[self.kind]

    @property
    def total(self):
        return sum(item.amount for item in self.items)

    def credit_fits_items(self, credit):
        """Whether a credit sum (tag 1216) agrees with the items' tag 1214.

        A credit sum needs items on credit (5 partial payment and credit, 6
        transfer on credit) worth at least that sum; such items need a credit sum.

        >>> sale = OpenReceipt(0, 1, [Item(1, 10**6, 500, 500, 11, 1, 6, 1, "A")])
        >>> sale.credit_fits_items(500), sale.credit_fits_items(0)
        (True, False)
        >>> sale.items[0].payment_method = 4
        >>> sale.credit_fits_items(500), sale.credit_fits_items(0)
        (False, True)
        """
        on_credit = [
            item for item in self.items if item.payment_method in CREDIT_METHODS
        ]
        if not credit:
            return not on_credit
        return bool(on_credit) and credit <= sum(item.amount for item in on_credit)

    def document_tlvs(self, tax_system, total, payments):
        """The receipt's tags after the FN header: 1054, 1055, sums, items, extras.

        ``total`` is the amount booked (tag 1020, the rounding deducted);
        ``payments`` maps a payment tag (1031, 1081, 1215, 1216, 1217) to kopecks.
        """
        tlvs = [
            tlv_uint(1054, self.operation, 1),
            tlv_uint(1055, tax_system, 1),
            tlv_vln(1020, total),
        ]
        tlvs += [tlv_vln(tag, amount) for tag, amount in payments.items() if amount]
        tlvs += [item.to_tlv() for item in self.items]
        tlvs += [bytes.fromhex(data) for data in self.tlvs]
        return tlvs
