# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receipt texts are made plain for the FN and numbers are checked against byte sizes.

Everything here is refused before a byte is sent, with the receipt and field named.
"""

from decimal import Decimal

import pytest

from kkt.receipt import Receipt, ReceiptError, ReceiptLine
from kkt.text import printable


def line(**changes):
    values = {"name": "Линза", "price": 1000, "quantity": 1, "amount": 1000}
    values.update({"tax": "vat22"}, **changes)
    return ReceiptLine(**values)


def receipt(*lines, **changes):
    values = {"lines": list(lines) or [line()], "mark": "POS1-0001", "cash": 1000}
    values.update(changes)
    return Receipt(**values)


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("Оправа «Ray-Ban» — чёрная", 'Оправа "Ray-Ban" - чёрная'),
        ("“Lens” „A“ – 5 €", '"Lens" "A" - 5 EUR'),
        ("Линза\u00a0Acuvue", "Линза Acuvue"),
        ("Crème brûlée", "Creme brulee"),
        ("Линза\nAcuvue\x00", "Линза Acuvue"),
        ("Ёжик йод", "Ёжик йод"),
    ],
)
def test_item_names_are_made_plain_and_then_pass(typed, plain):
    sold = receipt(line(name=typed))
    sold.validate()
    assert sold.lines[0].name == plain
    assert plain.encode("cp866") and plain.encode("cp1251")


@pytest.mark.parametrize(
    ("typed", "plain"),
    [("José", "Jose"), ("Іван Ґонта", "Иван Гонта"), ("Олена Ї. Є.", "Олена Ї. Є.")],
)
def test_cashier_names_are_transliterated_to_what_the_fn_stores(typed, plain):
    sold = receipt(cashier_name=typed)
    sold.validate()
    assert sold.cashier_name == plain
    assert printable(plain) == plain


@pytest.mark.parametrize(
    ("changes", "field", "ru"),
    [
        ({"buyer_contact": "müller@example.de"}, "buyer contact", "контакте"),
        ({"buyer_contact": "a@b.ru\n"}, "buyer contact", "контакте"),
        ({"mark": "POS1-€1"}, "mark (tag 1192)", "метка"),
        ({"cashier_name": "王芳"}, "cashier name", "имени кассира"),
    ],
)
def test_texts_the_fn_cannot_store_are_refused_naming_receipt_and_field(
    changes, field, ru
):
    with pytest.raises(ReceiptError) as caught:
        receipt(**changes).validate()
    mark = changes.get("mark", "POS1-0001")
    assert caught.value.message.startswith(f"Receipt {mark}:")
    assert field in caught.value.message
    assert ru in caught.value.message_ru


def test_an_item_name_that_cannot_be_printed_names_the_characters():
    with pytest.raises(ReceiptError) as caught:
        receipt(line(), line(name="Линза ☺")).validate()
    assert "line 2" in caught.value.message
    assert "(☺); rename the product" in caught.value.message


def test_a_zero_total_is_refused_with_the_device_error_and_what_to_do():
    gift = line(name="Подарок", price=0, amount=0)
    with pytest.raises(ReceiptError) as caught:
        receipt(gift, cash=0).validate()
    assert "total is zero" in caught.value.message
    assert "8Eh" in caught.value.message
    assert "needs no receipt" in caught.value.message
    assert "нулевой" in caught.value.message_ru


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"quantity": Decimal("281474977"), "price": 1, "amount": 281474977}, "limit"),
        ({"price": 2**40, "amount": 2**40}, "exceeds the device limit"),
        ({"price": 10.5, "amount": 1050}, "integer number of kopecks"),
        ({"price": 1000, "amount": 1000.0}, "integer number of kopecks"),
        ({"measure": 256}, "tag 2108"),
        ({"measure": -1}, "tag 2108"),
        ({"quantity": Decimal("NaN")}, "quantity must be positive"),
    ],
)
def test_out_of_range_line_numbers_are_refused_before_sending(changes, reason):
    with pytest.raises(ReceiptError) as caught:
        receipt(line(**changes), cash=10**12 - 1).validate()
    assert "line 1" in caught.value.message
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"cash": 10**12}, "payment exceeds the device limit"),
        ({"cash": 1000.0}, "integer numbers of kopecks"),
        ({"rounding": 0.5}, "integer numbers of kopecks"),
    ],
)
def test_out_of_range_payments_are_refused_before_sending(changes, reason):
    with pytest.raises(ReceiptError) as caught:
        receipt(**changes).validate()
    assert reason in caught.value.message
