# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The receipt as the driver takes it, checked in full before any byte is sent.

Money is in kopecks (int); quantities are Decimals with at most six decimals.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from .errors import KktError

SALE = 1
REFUND = 2
OPERATIONS = {SALE: "sale", REFUND: "sale return"}

# Tax code byte of command FF46 for each rate; the value of tag 1199 in brackets.
TAX_CODES = {
    "vat20": 0x01,  # 20 % (1)
    "vat10": 0x02,  # 10 % (2)
    "vat0": 0x04,  # 0 % (5)
    "none": 0x08,  # no VAT (6)
    "vat120": 0x10,  # 20/120 (3)
    "vat110": 0x20,  # 10/110 (4)
    "vat5": 0x81,  # 5 % (7)
    "vat7": 0x82,  # 7 % (8)
    "vat105": 0x84,  # 5/105 (9)
    "vat107": 0x88,  # 7/107 (10)
    "vat22": 0xCB,  # 22 % since 2026-01-01 (11)
    "vat122": 0xCC,  # 22/122 since 2026-01-01 (12)
}

# Tax system bits of tag 1055 and of the close-receipt command.
TAX_SYSTEMS = {
    "osn": 0x01,
    "usn_income": 0x02,
    "usn_income_outcome": 0x04,
    "envd": 0x08,
    "esn": 0x10,
    "patent": 0x20,
}

PAYMENT_METHODS = range(1, 8)  # tag 1214: 1 full prepayment ... 4 full payment ...
PAYMENT_SUBJECTS = range(1, 34)  # tag 1212: 1 goods, 3 work, 4 service ...
NAME_ENCODING = "cp1251"
MAX_NAME_BYTES = 128
MAX_CONTACT = 64
MAX_MARK = 16
MAX_CASHIER = 64
MAX_LINE_AMOUNT = 10**12 - 1  # five bytes of kopecks, well within
QUANTITY_DECIMALS = 6
MAX_ROUNDING = 99

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+\d{11,15}$")
_INN = re.compile(r"^(\d{10}|\d{12})$")


class ReceiptError(KktError):
    """The receipt would be refused by the device; nothing was sent."""


@dataclass
class ReceiptLine:
    """One sold or returned item, with its price after discounts."""

    name: str
    price: int
    quantity: Decimal
    amount: int
    tax: str
    payment_method: int = 4
    payment_subject: int = 1
    measure: int = 0

    def __post_init__(self):
        self.quantity = Decimal(str(self.quantity))


@dataclass
class Receipt:
    """A sale or a sale return with its lines and payments.

    ``mark`` is written into tag 1192 and lets the driver find the receipt in
    the FN again, so that a retry never prints it twice. ``rounding`` is the
    part of the total under one rouble (in kopecks) the buyer is let off; the
    device books the receipt at ``due``, the total less the rounding.
    """

    lines: list
    mark: str
    operation: int = SALE
    cash: int = 0
    electronic: int = 0
    tax_system: str = "osn"
    buyer_contact: str = ""
    cashier_name: str = ""
    cashier_inn: str = ""
    rounding: int = 0

    @property
    def total(self):
        """Sum of the line sums, in kopecks."""
        return sum(line.amount for line in self.lines)

    @property
    def due(self):
        """What the payments must cover: the total less the rounding."""
        return self.total - self.rounding

    @property
    def paid(self):
        """Cash plus electronic payments, in kopecks."""
        return self.cash + self.electronic

    def validate(self):
        """Raise :class:`ReceiptError` naming the first thing the device would refuse.

        >>> line = ReceiptLine("Lens", 150000, 2, 300000, "vat22")
        >>> Receipt([line], mark="0001-001-0001", electronic=300000).validate()
        >>> bad = ReceiptLine("Frame", 1000, 3, 3500, "vat22")
        >>> Receipt([bad], mark="m1", cash=3500).validate()
        Traceback (most recent call last):
        ...
        kkt.receipt.ReceiptError: Receipt m1, line 1 (Frame): line sum 35.00 is not \
price 10.00 x quantity 3
        """
        self._validate_header()
        if not self.lines:
            self._fail("has no lines", "нет строк")
        for index, line in enumerate(self.lines, start=1):
            self._validate_line(index, line)
        self._validate_payments()

    def _fail(self, reason, reason_ru):
        raise ReceiptError(
            f"Receipt {self.mark}: {reason}", f"Чек {self.mark}: {reason_ru}"
        )

    def _validate_header(self):
        if not self.mark or len(self.mark) > MAX_MARK:
            raise ReceiptError(
                f"Receipt mark {self.mark!r} must have 1 to {MAX_MARK} characters",
                f"Метка чека {self.mark!r} должна содержать от 1 до {MAX_MARK} "
                "символов",
            )
        if self.operation not in OPERATIONS:
            self._fail(
                f"unknown operation {self.operation}",
                f"неизвестный тип операции {self.operation}",
            )
        if self.tax_system not in TAX_SYSTEMS:
            self._fail(
                f"unknown tax system {self.tax_system!r}; "
                f"use one of {', '.join(TAX_SYSTEMS)}",
                f"неизвестная система налогообложения {self.tax_system!r}",
            )
        contact = self.buyer_contact
        if contact and (
            len(contact) > MAX_CONTACT
            or not (_EMAIL.match(contact) or _PHONE.match(contact))
        ):
            self._fail(
                f"buyer contact {contact!r} is neither an e-mail nor a phone "
                f"like +79991234567 (at most {MAX_CONTACT} characters)",
                f"контакт покупателя {contact!r} не является адресом e-mail или "
                f"телефоном вида +79991234567 (не длиннее {MAX_CONTACT} символов)",
            )
        if len(self.cashier_name) > MAX_CASHIER:
            self._fail(
                f"cashier name is longer than {MAX_CASHIER} characters",
                f"имя кассира длиннее {MAX_CASHIER} символов",
            )
        if self.cashier_inn and not _INN.match(self.cashier_inn):
            self._fail(
                f"cashier INN {self.cashier_inn!r} must have 10 or 12 digits",
                f"ИНН кассира {self.cashier_inn!r} должен содержать 10 или 12 цифр",
            )

    def _validate_line(self, index, line):
        where = f", line {index} ({line.name})"

        def fail(reason, ru):
            raise ReceiptError(
                f"Receipt {self.mark}{where}: {reason}",
                f"Чек {self.mark}, строка {index} ({line.name}): {ru}",
            )

        try:
            encoded = line.name.encode(NAME_ENCODING)
        except UnicodeEncodeError:
            fail(
                "name has characters the device cannot print",
                "в названии есть символы, которые касса не печатает",
            )
        if not encoded.strip() or len(encoded) > MAX_NAME_BYTES:
            fail(
                f"name must have 1 to {MAX_NAME_BYTES} characters",
                f"название должно содержать от 1 до {MAX_NAME_BYTES} символов",
            )
        if line.quantity <= 0:
            fail("quantity must be positive", "количество должно быть больше нуля")
        if -line.quantity.as_tuple().exponent > QUANTITY_DECIMALS:
            fail(
                f"quantity {line.quantity} has more than {QUANTITY_DECIMALS} decimals",
                f"у количества {line.quantity} больше {QUANTITY_DECIMALS} знаков",
            )
        if line.price < 0 or not 0 <= line.amount <= MAX_LINE_AMOUNT:
            fail(
                "price and line sum must not be negative",
                "цена и сумма строки не могут быть отрицательными",
            )
        if abs(line.price * line.quantity - line.amount) > 1:
            fail(
                f"line sum {line.amount / 100:.2f} is not price "
                f"{line.price / 100:.2f} x quantity {line.quantity}",
                f"сумма строки {line.amount / 100:.2f} не равна цене "
                f"{line.price / 100:.2f} x количество {line.quantity}",
            )
        if line.tax not in TAX_CODES:
            fail(
                f"tax {line.tax!r} has no KKT code; use one of {', '.join(TAX_CODES)}",
                f"для налога {line.tax!r} нет кода ККТ",
            )
        if line.payment_method not in PAYMENT_METHODS:
            fail(
                f"payment method (tag 1214) {line.payment_method} is not 1 to 7",
                f"способ расчёта (тег 1214) {line.payment_method} не от 1 до 7",
            )
        if line.payment_subject not in PAYMENT_SUBJECTS:
            fail(
                f"payment subject (tag 1212) {line.payment_subject} is not 1 to 33",
                f"предмет расчёта (тег 1212) {line.payment_subject} не от 1 до 33",
            )

    def _validate_payments(self):
        if self.cash < 0 or self.electronic < 0:
            self._fail(
                "payments must not be negative", "оплаты не могут быть отрицательными"
            )
        if not 0 <= self.rounding <= min(MAX_ROUNDING, self.total - 1):
            self._fail(
                f"rounding of {self.rounding} kopecks must be 0 to {MAX_ROUNDING} "
                "and less than the total",
                f"округление {self.rounding} коп. должно быть от 0 до "
                f"{MAX_ROUNDING} и меньше итога",
            )
        if self.electronic > self.due:
            self._fail(
                f"electronic payment {self.electronic / 100:.2f} exceeds the total "
                f"due {self.due / 100:.2f}",
                f"безналичная оплата {self.electronic / 100:.2f} больше суммы к "
                f"оплате {self.due / 100:.2f}",
            )
        if self.paid < self.due:
            self._fail(
                f"payments {self.paid / 100:.2f} are less than the total due "
                f"{self.due / 100:.2f}",
                f"сумма оплат {self.paid / 100:.2f} меньше суммы к оплате "
                f"{self.due / 100:.2f}",
            )
