# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The receipt as the driver takes it, checked in full before any byte is sent.

Money is in kopecks (int); quantities are Decimals with at most six decimals.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from .errors import KktError
from .text import FN_ENCODING, fits, printable, unfit_characters

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
# Tag 1214 values of an item handed over on credit: 5 partly paid, 6 not paid.
CREDIT_METHODS = (5, 6)
PAYMENT_SUBJECTS = range(1, 34)  # tag 1212: 1 goods, 3 work, 4 service ...
MAX_NAME_BYTES = 128
MAX_CONTACT = 64
MAX_MARK = 16
MAX_CASHIER = 64
MAX_LINE_AMOUNT = 10**12 - 1  # five bytes of kopecks, well within
MAX_QUANTITY = Decimal(2**48 - 1) / 10**6  # six bytes of millionths
MAX_MEASURE = 255  # tag 2108 is one byte
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


def _is_kopecks(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class Receipt:
    """A sale or a sale return with its lines and payments.

    ``cash`` (tag 1031), ``electronic`` (tag 1081) and ``credit`` (tag 1216, the
    part the buyer pays later) are in kopecks. A receipt with a credit sum must
    have its lines on credit (payment method 5 or 6) and the other way round.

    ``mark`` is written into tag 1192 and lets the driver find the receipt in
    the FN again, so that a retry never prints it twice. ``rounding`` is the
    part of the total under one rouble (in kopecks) the buyer is let off; the
    device books the receipt at ``due``, the total less the rounding.

    Every text goes to the FN in CP866 and item names are printed from CP1251;
    :meth:`validate` first makes the cashier name and the item names plain with
    :func:`kkt.text.printable` (quotes, dashes, accents, control characters).
    """

    lines: list
    mark: str
    operation: int = SALE
    cash: int = 0
    electronic: int = 0
    credit: int = 0
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
        """Cash, electronic and credit payments together, in kopecks."""
        return self.cash + self.electronic + self.credit

    @property
    def non_cash(self):
        """Electronic and credit payments, which give no change, in kopecks."""
        return self.electronic + self.credit

    def validate(self):
        """Raise :class:`ReceiptError` naming the first thing the device would refuse.

        >>> line = ReceiptLine("Lens", 150000, 2, 300000, "vat22")
        >>> Receipt([line], mark="0001-001-0001", electronic=300000).validate()
        >>> named = Receipt([line], mark="m0", cash=300000, cashier_name="José")
        >>> named.validate(); named.cashier_name
        'Jose'
        >>> bad = ReceiptLine("Frame", 1000, 3, 3500, "vat22")
        >>> Receipt([bad], mark="m1", cash=3500).validate()
        Traceback (most recent call last):
        ...
        kkt.receipt.ReceiptError: Receipt m1, line 1 (Frame): line sum 35.00 is not \
price 10.00 x quantity 3

        A sale on the buyer's account carries the credit sum and lines on credit:

        >>> on_credit = ReceiptLine("Lens", 150000, 2, 300000, "vat22", 6)
        >>> Receipt([on_credit], mark="m2", credit=300000).validate()
        >>> Receipt([line], mark="m3", credit=300000).validate()
        Traceback (most recent call last):
        ...
        kkt.receipt.ReceiptError: Receipt m3: credit 3000.00 is on the receipt but \
no line is sold on credit (payment method, tag 1214, 5 or 6)
        """
        self.normalise()
        self._validate_header()
        if not self.lines:
            self._fail("has no lines", "нет строк")
        for index, line in enumerate(self.lines, start=1):
            self._validate_line(index, line)
        self._validate_payments()
        self._validate_credit()

    def normalise(self):
        """Make the cashier name and the item names plain for the FN; idempotent."""
        self.cashier_name = printable(self.cashier_name)
        for line in self.lines:
            line.name = printable(line.name)

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
        if not fits(self.mark, (FN_ENCODING,)) or printable(self.mark) != self.mark:
            self._fail(
                "the mark (tag 1192) must be plain letters, digits and signs the "
                "FN can store (CP866); build it from the order reference",
                "метка (тег 1192) должна состоять из букв, цифр и знаков, которые "
                "ФН может сохранить (CP866); составьте её из номера заказа",
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
        bad = unfit_characters(contact, (FN_ENCODING,))
        if bad or printable(contact) != contact:
            self._fail(
                f"buyer contact {contact!r} has characters the FN cannot store "
                f"({bad or 'control characters or spaces'}); give an e-mail address "
                "in Latin letters or a phone number like +79991234567",
                f"в контакте покупателя {contact!r} есть символы, которые ФН не "
                f"может сохранить ({bad or 'управляющие символы или пробелы'}); "
                "укажите e-mail латиницей или телефон вида +79991234567",
            )
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
        bad = unfit_characters(self.cashier_name, (FN_ENCODING,))
        if bad:
            self._fail(
                f"cashier name {self.cashier_name!r} has characters the FN cannot "
                f"store ({bad}); write the user's name in Russian or Latin letters",
                f"в имени кассира {self.cashier_name!r} есть символы, которые ФН не "
                f"может сохранить ({bad}); укажите имя пользователя русскими или "
                "латинскими буквами",
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

        bad = unfit_characters(line.name)
        if bad:
            fail(
                f"name has characters the device cannot print ({bad}); rename the "
                "product",
                f"в названии есть символы, которые касса не печатает ({bad}); "
                "переименуйте товар",
            )
        if not line.name.strip() or len(line.name) > MAX_NAME_BYTES:
            fail(
                f"name must have 1 to {MAX_NAME_BYTES} characters",
                f"название должно содержать от 1 до {MAX_NAME_BYTES} символов",
            )
        if not line.quantity.is_finite() or line.quantity <= 0:
            fail("quantity must be positive", "количество должно быть больше нуля")
        if line.quantity > MAX_QUANTITY:
            fail(
                f"quantity {line.quantity} exceeds the device limit of "
                f"{int(MAX_QUANTITY)}; split the line",
                f"количество {line.quantity} больше предела ККТ "
                f"{int(MAX_QUANTITY)}; разбейте строку",
            )
        if -line.quantity.as_tuple().exponent > QUANTITY_DECIMALS:
            fail(
                f"quantity {line.quantity} has more than {QUANTITY_DECIMALS} decimals",
                f"у количества {line.quantity} больше {QUANTITY_DECIMALS} знаков",
            )
        if not (_is_kopecks(line.price) and _is_kopecks(line.amount)):
            fail(
                "price and line sum must be an integer number of kopecks "
                f"(got {line.price!r} and {line.amount!r})",
                "цена и сумма строки должны быть целым числом копеек "
                f"(получено {line.price!r} и {line.amount!r})",
            )
        if line.price < 0 or line.amount < 0:
            fail(
                "price and line sum must not be negative",
                "цена и сумма строки не могут быть отрицательными",
            )
        if max(line.price, line.amount) > MAX_LINE_AMOUNT:
            fail(
                f"price or line sum exceeds the device limit of "
                f"{MAX_LINE_AMOUNT / 100:.2f}; check the price",
                f"цена или сумма строки больше предела ККТ "
                f"{MAX_LINE_AMOUNT / 100:.2f}; проверьте цену",
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
        if not _is_kopecks(line.measure) or not 0 <= line.measure <= MAX_MEASURE:
            fail(
                f"measure (tag 2108) {line.measure!r} is not 0 to {MAX_MEASURE}",
                f"мера количества (тег 2108) {line.measure!r} не от 0 до {MAX_MEASURE}",
            )

    def _validate_payments(self):
        sums = (self.cash, self.electronic, self.credit, self.rounding)
        if not all(_is_kopecks(value) for value in sums):
            self._fail(
                "cash, electronic payment, credit and rounding must be integer "
                f"numbers of kopecks (got {self.cash!r}, {self.electronic!r}, "
                f"{self.credit!r}, {self.rounding!r})",
                "наличные, безналичная оплата, кредит и округление должны быть "
                f"целым числом копеек (получено {self.cash!r}, {self.electronic!r}, "
                f"{self.credit!r}, {self.rounding!r})",
            )
        if min(self.cash, self.electronic, self.credit) < 0:
            self._fail(
                "payments must not be negative", "оплаты не могут быть отрицательными"
            )
        if max(self.cash, self.electronic, self.credit) > MAX_LINE_AMOUNT:
            self._fail(
                f"a payment exceeds the device limit of {MAX_LINE_AMOUNT / 100:.2f}; "
                "check the payment amounts",
                f"оплата больше предела ККТ {MAX_LINE_AMOUNT / 100:.2f}; проверьте "
                "суммы оплат",
            )
        if self.total == 0:
            self._fail(
                "the total is zero and the KKT refuses such a receipt (error 8Eh); "
                "a fully free order (gift, 100 % discount) needs no receipt, leave "
                "it out of fiscalisation",
                "итог чека нулевой, ККТ не примет такой чек (ошибка 8Eh); для "
                "полностью бесплатного заказа (подарок, скидка 100 %) чек не "
                "пробивается, исключите его из фискализации",
            )
        if not 0 <= self.rounding <= min(MAX_ROUNDING, self.total - 1):
            self._fail(
                f"rounding of {self.rounding} kopecks must be 0 to {MAX_ROUNDING} "
                "and less than the total",
                f"округление {self.rounding} коп. должно быть от 0 до "
                f"{MAX_ROUNDING} и меньше итога",
            )
        if self.non_cash > self.due:
            self._fail(
                f"non-cash payment {self.non_cash / 100:.2f} (electronic "
                f"{self.electronic / 100:.2f}, credit {self.credit / 100:.2f}) "
                f"exceeds the total due {self.due / 100:.2f}",
                f"безналичная оплата и кредит {self.non_cash / 100:.2f} "
                f"(безналичными {self.electronic / 100:.2f}, в кредит "
                f"{self.credit / 100:.2f}) больше суммы к оплате {self.due / 100:.2f}",
            )
        if self.paid < self.due:
            self._fail(
                f"payments {self.paid / 100:.2f} are less than the total due "
                f"{self.due / 100:.2f}",
                f"сумма оплат {self.paid / 100:.2f} меньше суммы к оплате "
                f"{self.due / 100:.2f}",
            )

    def _validate_credit(self):
        """Refuse a credit sum without lines on credit, and lines on credit
        without a credit sum or with less than it."""
        on_credit = [
            (index, line)
            for index, line in enumerate(self.lines, start=1)
            if line.payment_method in CREDIT_METHODS
        ]
        if self.credit and not on_credit:
            self._fail(
                f"credit {self.credit / 100:.2f} is on the receipt but no line is "
                "sold on credit (payment method, tag 1214, 5 or 6)",
                f"в чеке есть сумма в кредит {self.credit / 100:.2f}, но ни одна "
                "строка не продана в кредит (способ расчёта, тег 1214, 5 или 6)",
            )
        if on_credit and not self.credit:
            index, line = on_credit[0]
            raise ReceiptError(
                f"Receipt {self.mark}, line {index} ({line.name}): payment method "
                f"(tag 1214) {line.payment_method} puts the line on credit but the "
                "receipt has no credit sum (tag 1216)",
                f"Чек {self.mark}, строка {index} ({line.name}): способ расчёта "
                f"(тег 1214) {line.payment_method} означает продажу в кредит, но в "
                "чеке нет суммы в кредит (тег 1216)",
            )
        credit_lines = sum(line.amount for _index, line in on_credit)
        if self.credit > credit_lines:
            self._fail(
                f"credit {self.credit / 100:.2f} exceeds the {credit_lines / 100:.2f} "
                "of the lines sold on credit (payment method, tag 1214, 5 or 6)",
                f"сумма в кредит {self.credit / 100:.2f} больше суммы "
                f"{credit_lines / 100:.2f} строк, проданных в кредит (способ "
                "расчёта, тег 1214, 5 или 6)",
            )
