# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Turn a POS order (a record or the JSON of the POS screen) into a KKT receipt.

Discounts and payment rounding are spread into the line prices, so that every
line sum is its price times its quantity and the receipt total is what was paid.
What is paid with a customer account is the receipt's credit (tag 1216).
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from odoo import _, api, models

from odoo.addons.optics_kkt_driver.kkt.receipt import (
    MAX_CASHIER,
    MAX_MARK,
    MAX_NAME_BYTES,
    REFUND,
    SALE,
    Receipt,
    ReceiptError,
    ReceiptLine,
)

from .account_tax import PREPAYMENT_CODES

# Payment methods of tag 1214 that are prepayments: full, partial, advance.
PREPAYMENT_METHODS = (1, 2, 3)
FULL_PAYMENT = 4
# Tag 1214 of lines sold on credit: partly paid now, or not paid at all.
PARTIAL_CREDIT = 5
ON_CREDIT = 6
CREDIT_METHODS = (PARTIAL_CREDIT, ON_CREDIT)
_PHONE_DIGITS = re.compile(r"\D")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REFERENCE_TAIL = re.compile(r"[0-9][0-9-]*$")


def to_kopecks(amount):
    """Return a currency amount as whole kopecks, rounding half up.

    >>> to_kopecks(10.005), to_kopecks(-3.3), to_kopecks(0)
    (1001, -330, 0)
    """
    value = Decimal(str(amount)) * 100
    if value < 0:
        return -int((-value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spread(total, weights):
    """Split the integer ``total`` in proportion to ``weights``, largest remainder.

    >>> spread(-100, [300, 600, 100])
    [-30, -60, -10]
    >>> spread(10, [1, 1, 1])
    [4, 3, 3]
    >>> sum(spread(-7, [5, 0, 9]))
    -7
    """
    weight_sum = sum(weights)
    if not weight_sum:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = [Fraction(total * weight, weight_sum) for weight in weights]
    parts = [share.numerator // share.denominator for share in shares]
    left = total - sum(parts)
    by_remainder = sorted(
        range(len(shares)), key=lambda i: shares[i] - parts[i], reverse=True
    )
    for index in by_remainder[:left]:
        parts[index] += 1
    return parts


def split_line(amount, quantity):
    """Return ``(price, quantity)`` pieces whose sums add up to ``amount``.

    A whole quantity is split in at most two pieces whose prices differ by one
    kopeck, so that each piece's sum is exact. A fractional quantity keeps one
    piece when price x quantity is within one kopeck of the sum, else None.

    >>> split_line(1000, Decimal(3))
    [(334, Decimal('1')), (333, Decimal('2'))]
    >>> split_line(999, Decimal(3))
    [(333, Decimal('3'))]
    >>> split_line(1001, Decimal("2.5"))
    [(400, Decimal('2.5'))]
    >>> split_line(1003, Decimal("7.5")) is None
    True
    >>> split_line(1000, Decimal(0)) is None
    True
    """
    if quantity <= 0:
        return None
    if quantity == quantity.to_integral_value():
        count = int(quantity)
        price, left = divmod(amount, count)
        if not left:
            return [(price, Decimal(count))]
        return [(price + 1, Decimal(left)), (price, Decimal(count - left))]
    price = int((Decimal(amount) / quantity).quantize(Decimal(1), ROUND_HALF_UP))
    if abs(price * quantity - amount) > 1:
        return None
    return [(price, quantity)]


def normalise_phone(phone):
    """Return a phone in the +79991234567 form the KKT takes, or "".

    >>> normalise_phone("8 (999) 123-45-67"), normalise_phone("+7 999 123 45 67")
    ('+79991234567', '+79991234567')
    >>> normalise_phone("123")
    ''
    """
    digits = _PHONE_DIGITS.sub("", phone or "")
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return "+" + digits if 11 <= len(digits) <= 15 else ""


def receipt_mark(pos_reference, order_id):
    """Return the tag 1192 mark of an order: its POS reference number when short.

    >>> receipt_mark("Order 00012-003-0042", 7)
    '00012-003-0042'
    >>> receipt_mark("Order 123456-123-123456", 7)
    'pos7'
    """
    match = _REFERENCE_TAIL.search(pos_reference or "")
    if match and len(match.group()) <= MAX_MARK:
        return match.group()
    return f"pos{order_id}"


class FiscalReceiptBuilder(models.AbstractModel):
    _name = "ru54fz.fiscal.receipt.builder"
    _description = "Fiscal receipt builder for POS orders"

    @api.model
    def _build(self, values):
        """Return the validated receipt described by ``values``.

        ``values`` holds ``mark``, ``lines`` (dicts with ``name``, ``quantity``
        (signed Decimal), ``amount`` (signed kopecks, taxes included, after the
        line discount), ``taxes`` (account.tax), ``product`` (product.product),
        ``is_refund``), ``payments`` (pairs of pos.payment.method and signed
        amount in kopecks), ``buyer_contact``, ``cashier_name`` and
        ``tax_system``.

        With a credit payment every line is on credit (tag 1214): 6 when the
        whole order is on the customer's account, 5 when part is paid now.

        :raises ReceiptError: naming the line, when the device would refuse it.
        """
        operation = self._operation(values["lines"])
        sign = -1 if operation == REFUND else 1
        items, adjustments = self._partition(values["lines"], sign)
        for adjustment in adjustments:
            self._apply_adjustment(items, adjustment["amount"], adjustment["tax"])
        cash, electronic, credit = self._payment_sums(values["payments"], sign)
        self._apply_payment_difference(items, cash, electronic + credit)
        due = sum(item["amount"] for item in items)
        receipt = Receipt(
            lines=[
                piece
                for item in items
                for piece in self._pieces(
                    item, self._item_payment_method(item, credit, due)
                )
            ],
            mark=values["mark"],
            operation=operation,
            cash=cash,
            electronic=electronic,
            credit=credit,
            tax_system=values["tax_system"],
            buyer_contact=values["buyer_contact"],
            cashier_name=(values["cashier_name"] or "")[:MAX_CASHIER],
        )
        receipt.validate()
        return receipt

    @api.model
    def _check_lines(self, values):
        """Return a user message for every line whose taxes have no KKT code."""
        messages = []
        for line in values["lines"]:
            try:
                self._line_tax_code(line)
            except ReceiptError as error:
                messages.append(error.message)
        return messages

    @api.model
    def _operation(self, lines):
        """Return SALE or REFUND; refuse an order that mixes both."""
        total = sum(line["amount"] for line in lines)
        refund_lines = [line for line in lines if line["is_refund"]]
        if (
            refund_lines
            and len(refund_lines) != len(lines)
            and any(
                line["quantity"] > 0 and line["amount"] > 0
                for line in lines
                if not line["is_refund"]
            )
        ):
            raise ReceiptError(
                _(
                    "The order both sells and returns goods; the KKT needs a "
                    "separate receipt for each. Make two orders."
                )
            )
        return REFUND if refund_lines or total < 0 else SALE

    @api.model
    def _partition(self, lines, sign):
        """Split lines into items and discount lines, as positive amounts."""
        items, adjustments = [], []
        for line in lines:
            quantity = line["quantity"] * sign
            amount = line["amount"] * sign
            if not quantity and not amount:
                continue
            entry = dict(line, quantity=quantity, amount=amount)
            entry["tax"] = self._line_tax_code(line)
            if amount < 0 or quantity < 0:
                adjustments.append(entry)
            else:
                items.append(entry)
        if not items:
            raise ReceiptError(_("The order has no line to put on a fiscal receipt."))
        return items, adjustments

    @api.model
    def _line_tax_code(self, line):
        taxes = line["taxes"]
        if not taxes:
            return "none"
        if len(taxes) > 1:
            raise ReceiptError(
                _(
                    "Line %(line)s (%(product)s) has several taxes; the KKT takes "
                    "one VAT rate per line. Keep one tax on the product.",
                    line=line["index"],
                    product=line["name"],
                )
            )
        if not taxes.kkt_tax_code:
            raise ReceiptError(
                _(
                    "Line %(line)s (%(product)s): tax %(tax)s has no KKT tax code. "
                    "Set one on the tax (Invoicing > Configuration > Taxes).",
                    line=line["index"],
                    product=line["name"],
                    tax=taxes.display_name,
                )
            )
        return taxes.kkt_tax_code

    @api.model
    def _apply_adjustment(self, items, amount, tax):
        """Spread a discount line over the items with its tax, else over all."""
        targets = [item for item in items if item["tax"] == tax] or items
        available = sum(item["amount"] for item in targets)
        if available + amount < 0:
            raise ReceiptError(
                _(
                    "A discount of %(discount).2f exceeds the %(total).2f of the "
                    "lines it applies to.",
                    discount=-amount / 100,
                    total=available / 100,
                )
            )
        shares = spread(amount, [item["amount"] for item in targets])
        for item, share in zip(targets, shares, strict=True):
            item["amount"] += share

    @api.model
    def _payment_sums(self, payments, sign):
        """Return ``(cash, electronic, credit)`` in kopecks, by payment kind."""
        sums = {"cash": 0, "electronic": 0, "credit": 0}
        for method, amount in payments:
            kind = method.kkt_payment_kind
            sums[kind if kind in sums else "electronic"] += amount * sign
        return sums["cash"], sums["electronic"], sums["credit"]

    @api.model
    def _apply_payment_difference(self, items, cash, non_cash):
        """Make the receipt total match the payments when rounding made them differ.

        ``non_cash`` is the electronic and credit payments together. Cash paid
        above the total stays: the KKT prints it as change.
        """
        total = sum(item["amount"] for item in items)
        if cash + non_cash < total:
            target = cash + non_cash
        elif non_cash > total:
            target = non_cash
        else:
            return
        shares = spread(target - total, [item["amount"] for item in items])
        for item, share in zip(items, shares, strict=True):
            item["amount"] += share

    @api.model
    def _item_payment_method(self, item, credit, due):
        """Return the item's tag 1214: the product's, or on credit with a credit.

        :raises ReceiptError: when the product is sold as a prepayment or as a
            credit payment and part of the order is on the customer's account,
            or when the product is sold on credit and nothing is.
        """
        product = item["product"]
        method = int(product.kkt_payment_method or FULL_PAYMENT)
        if credit and method not in (FULL_PAYMENT, *CREDIT_METHODS):
            raise ReceiptError(
                _(
                    "Line %(line)s (%(product)s) is sold with the fiscal payment "
                    'method "%(method)s", which cannot be put on a customer '
                    "account. Take the payment by another method, or set the "
                    "product's Fiscal Payment Method to Full payment.",
                    line=item["index"],
                    product=item["name"],
                    method=self._payment_method_label(product),
                )
            )
        if not credit and method in CREDIT_METHODS:
            raise ReceiptError(
                _(
                    "Line %(line)s (%(product)s) is sold on credit (fiscal payment "
                    'method "%(method)s") but nothing is paid with a customer '
                    "account. Take part of the payment with the customer account, "
                    "or set the product's Fiscal Payment Method to Full payment.",
                    line=item["index"],
                    product=item["name"],
                    method=self._payment_method_label(product),
                )
            )
        if not credit:
            return method
        return ON_CREDIT if credit >= due else PARTIAL_CREDIT

    @api.model
    def _payment_method_label(self, product):
        field = product._fields["kkt_payment_method"]
        labels = dict(field._description_selection(self.env))
        return labels.get(product.kkt_payment_method, product.kkt_payment_method)

    @api.model
    def _pieces(self, item, payment_method):
        pieces = split_line(item["amount"], item["quantity"])
        if pieces is None:
            raise ReceiptError(
                _(
                    "Line %(line)s (%(product)s): the sum %(amount).2f cannot be "
                    "written as a price for quantity %(quantity)s. Round the "
                    "quantity or the price.",
                    line=item["index"],
                    product=item["name"],
                    amount=item["amount"] / 100,
                    quantity=item["quantity"],
                )
            )
        product = item["product"]
        tax = item["tax"]
        if payment_method in PREPAYMENT_METHODS:
            tax = PREPAYMENT_CODES.get(tax, tax)
        return [
            ReceiptLine(
                name=item["name"][:MAX_NAME_BYTES],
                price=price,
                quantity=quantity,
                amount=int(price * quantity)
                if quantity == quantity.to_integral_value()
                else item["amount"],
                tax=tax,
                payment_method=payment_method,
                payment_subject=int(product.kkt_payment_subject or 1),
            )
            for price, quantity in pieces
        ]

    @api.model
    def _buyer_contact(self, explicit, partner):
        """Return the buyer contact for tag 1008: typed on the POS, else the partner's.

        A contact typed on the POS is kept as is so that a wrong one is reported;
        a partner's contact that the KKT would refuse is left out.
        """
        if explicit:
            return explicit.strip()
        if partner.email and _EMAIL.match(partner.email.strip()):
            return partner.email.strip()
        return normalise_phone(partner.mobile or partner.phone)
