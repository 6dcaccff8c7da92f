# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sales on the buyer's account: the credit sum (tag 1216) is checked before any
byte is sent, written into FF45 payment sum #15 and found in the FN afterwards."""

import pytest

from kkt.errors import LinkError
from kkt.receipt import REFUND, Receipt, ReceiptError, ReceiptLine
from kkt.session import KktSession
from kkt.tlv import parse_tlvs, parse_vln

SCALE = 0.05
TAG_CASH = 1031
TAG_ELECTRONIC = 1081
TAG_CREDIT = 1216
TAG_ITEM = 1059
TAG_PAYMENT_METHOD = 1214


def lines(method=6):
    return [
        ReceiptLine("Линза Acuvue", 150000, 2, 300000, "vat22", method),
        ReceiptLine("Подбор очков", 50000, 1, 50000, "none", method, 4),
    ]


def credit_receipt(mark="CR-0001", method=6, **changes):
    values = {"lines": lines(method), "mark": mark, "credit": 350000}
    values.update(changes)
    return Receipt(**values)


@pytest.fixture
def session(emulator):
    url, _control = emulator
    with KktSession.connect(url, timeout_scale=SCALE) as kkt:
        kkt.open_shift()
        yield kkt


def stored(session, fd_number):
    """The document's top-level tags, and tag 1214 of each item."""
    tlvs = session.read_document(fd_number)
    methods = [
        dict(parse_tlvs(value))[TAG_PAYMENT_METHOD][0]
        for tag, value in tlvs
        if tag == TAG_ITEM
    ]
    return dict(tlvs), methods


def test_a_receipt_fully_on_credit_passes():
    assert credit_receipt().validate() is None


def test_a_receipt_partly_on_credit_passes_with_cash_and_card():
    partly = credit_receipt(method=5, cash=100000, electronic=50000, credit=200000)
    assert partly.validate() is None
    assert partly.paid == partly.due == 350000


@pytest.mark.parametrize(
    ("changes", "reason", "reason_ru"),
    [
        ({"credit": 1000.0}, "integer numbers of kopecks", "целым числом копеек"),
        ({"credit": -1, "cash": 350001}, "must not be negative", "отрицательными"),
        ({"credit": 10**12}, "exceeds the device limit", "предела ККТ"),
        ({"credit": 300000}, "less than the total due", "меньше суммы к оплате"),
        (
            {"credit": 350000, "electronic": 1},
            "non-cash payment 3500.01 (electronic 0.01, credit 3500.00) exceeds",
            "больше суммы к оплате",
        ),
    ],
)
def test_a_wrong_credit_sum_is_refused_in_english_and_russian(
    changes, reason, reason_ru
):
    with pytest.raises(ReceiptError) as caught:
        credit_receipt(**changes).validate()
    assert caught.value.message.startswith("Receipt CR-0001:")
    assert reason in caught.value.message
    assert reason_ru in caught.value.message_ru


def test_cash_over_the_due_next_to_a_credit_is_change():
    assert credit_receipt(method=5, credit=300000, cash=100000).validate() is None


def test_a_credit_sum_without_lines_on_credit_is_refused():
    with pytest.raises(ReceiptError) as caught:
        credit_receipt(method=4).validate()
    assert "no line is sold on credit" in caught.value.message
    assert "тег 1214, 5 или 6" in caught.value.message_ru


def test_a_line_on_credit_without_a_credit_sum_is_refused_naming_the_line():
    mixed = credit_receipt(credit=0, cash=350000)
    with pytest.raises(ReceiptError) as caught:
        mixed.validate()
    assert caught.value.message.startswith("Receipt CR-0001, line 1 (Линза Acuvue):")
    assert "no credit sum (tag 1216)" in caught.value.message
    assert "строка 1" in caught.value.message_ru


def test_a_credit_above_the_lines_on_credit_is_refused():
    paid_lens, service = lines()
    paid_lens.payment_method = 4
    receipt = Receipt([paid_lens, service], mark="CR-0002", credit=350000)
    with pytest.raises(ReceiptError) as caught:
        receipt.validate()
    assert "exceeds the 500.00 of the lines sold on credit" in caught.value.message


def test_a_sale_on_credit_is_stored_with_tag_1216_and_method_6(emulator, session):
    _url, control = emulator
    result = session.fiscalise(credit_receipt())

    tags, methods = stored(session, result.fd_number)
    assert parse_vln(tags[TAG_CREDIT]) == 350000
    assert TAG_CASH not in tags and TAG_ELECTRONIC not in tags
    assert methods == [6, 6]
    assert result.total == 350000 and "&s=3500.00&" in result.qr
    assert result.request["credit"] == 350000
    assert control.document(result.fd_number)["mark"] == "CR-0001"


def test_a_sale_partly_on_credit_stores_every_payment(session):
    receipt = credit_receipt(method=5, cash=100000, electronic=50000, credit=200000)
    result = session.fiscalise(receipt)

    tags, methods = stored(session, result.fd_number)
    assert parse_vln(tags[TAG_CASH]) == 100000
    assert parse_vln(tags[TAG_ELECTRONIC]) == 50000
    assert parse_vln(tags[TAG_CREDIT]) == 200000
    assert methods == [5, 5]


def test_a_lost_close_answer_of_a_credit_sale_is_found_not_printed_again(
    emulator, session
):
    _url, control = emulator
    control.lose_answer(0xFF45)
    with pytest.raises(LinkError):
        session.fiscalise(credit_receipt())

    again = session.fiscalise(credit_receipt())
    assert again.recovered and again.total == 350000
    assert control.counter(0xFF45) == 1
    tags, _methods = stored(session, again.fd_number)
    assert parse_vln(tags[TAG_CREDIT]) == 350000


def test_the_return_of_a_credit_sale_puts_the_credit_on_the_return_side(session):
    sale = session.fiscalise(credit_receipt())
    refund = session.refund(credit_receipt())

    assert refund.operation == REFUND and refund.fd_number == sale.fd_number + 1
    tags, methods = stored(session, refund.fd_number)
    assert tags[1054] == bytes([REFUND])
    assert parse_vln(tags[TAG_CREDIT]) == 350000
    assert methods == [6, 6]
