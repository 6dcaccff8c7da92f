# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receipt validation refuses what the device would refuse, naming line and reason."""

from decimal import Decimal

import pytest

from kkt.receipt import TAX_CODES, Receipt, ReceiptError, ReceiptLine


def line(**changes):
    values = {
        "name": "Очковая линза",
        "price": 150000,
        "quantity": 2,
        "amount": 300000,
        "tax": "vat22",
    }
    values.update(changes)
    return ReceiptLine(**values)


def receipt(*lines, **changes):
    values = {"lines": list(lines) or [line()], "mark": "POS1-0001", "cash": 300000}
    values.update(changes)
    return Receipt(**values)


def test_a_correct_receipt_passes():
    assert receipt().validate() is None


def test_every_known_tax_code_passes_including_22_percent():
    for tax in TAX_CODES:
        receipt(line(tax=tax)).validate()
    assert {"vat22", "vat122", "vat5", "vat7", "vat105", "vat107"} <= set(TAX_CODES)


def test_line_sum_within_one_kopeck_of_price_times_quantity_passes():
    half = line(price=333, quantity=Decimal("0.5"), amount=167)
    assert receipt(half, cash=167).validate() is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"quantity": 0}, "quantity must be positive"),
        ({"quantity": Decimal("-1")}, "quantity must be positive"),
        ({"quantity": Decimal("0.0000001")}, "more than 6 decimals"),
        ({"amount": 300002}, "is not price"),
        ({"tax": "vat18"}, "has no KKT code"),
        ({"name": " "}, "name must have"),
        ({"name": "x" * 129}, "name must have"),
        ({"name": "Lens ☺"}, "cannot print"),
        ({"payment_method": 8}, "tag 1214"),
        ({"payment_subject": 0}, "tag 1212"),
        ({"price": -1, "amount": -2}, "must not be negative"),
    ],
)
def test_bad_line_is_refused_with_its_number_and_reason(changes, reason):
    with pytest.raises(ReceiptError) as caught:
        receipt(line(), line(**changes)).validate()
    assert "line 2" in caught.value.message
    assert reason in caught.value.message
    assert "строка 2" in caught.value.message_ru


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"mark": ""}, "mark"),
        ({"mark": "x" * 17}, "mark"),
        ({"lines": []}, "has no lines"),
        ({"cash": 100}, "less than the total"),
        ({"cash": 0, "electronic": 300001}, "exceeds the total"),
        ({"tax_system": "simple"}, "unknown tax system"),
        ({"buyer_contact": "8-999-123"}, "neither an e-mail nor a phone"),
        ({"cashier_inn": "12345"}, "INN"),
        ({"operation": 3}, "unknown operation"),
        ({"cashier_name": "x" * 65}, "cashier name"),
        ({"cash": -1, "electronic": 300001}, "must not be negative"),
        ({"rounding": 100}, "rounding"),
        ({"rounding": -1}, "rounding"),
    ],
)
def test_bad_receipt_header_is_refused_in_english_and_russian(changes, reason):
    with pytest.raises(ReceiptError) as caught:
        receipt(**changes).validate()
    assert reason in caught.value.message
    assert any("а" <= char <= "я" for char in caught.value.message_ru)


def test_rounding_lowers_the_amount_the_payments_must_cover():
    rounded = receipt(line(price=150050, quantity=1, amount=150050), cash=150000)
    with pytest.raises(ReceiptError):
        rounded.validate()
    rounded.rounding = 50
    rounded.validate()
    assert (rounded.total, rounded.due) == (150050, 150000)


def test_cash_over_the_total_is_change_and_passes():
    assert receipt(cash=500000).validate() is None


def test_buyer_contact_may_be_an_email_or_a_phone():
    assert receipt(buyer_contact="buyer@example.ru").validate() is None
    assert receipt(buyer_contact="+79991234567").validate() is None
