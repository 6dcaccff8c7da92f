# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sales on credit: payment sum #15 of FF45 becomes tag 1216, and the emulator
refuses a credit sum that disagrees with the items' payment method (tag 1214)."""

import pytest

from kkt.tlv import parse_tlvs, parse_vln

from .common import (
    CASHIER,
    error_of,
    fd_of,
    le,
    mode_of,
    open_receipt,
    operation,
    start_shift,
    status,
    wait_idle,
)

PARAMETER_ERROR = 0x33
FULL_PAYMENT = 4
PARTIAL_CREDIT = 5
ON_CREDIT = 6


def close_with_credit(credit, cash=0, electronic=0):
    """FF45 with cash in sum #1, electronic in #2 and credit in #15."""
    payments = [0] * 16
    payments[0], payments[1], payments[14] = cash, electronic, credit
    return (
        bytes.fromhex("ff 45")
        + le(CASHIER, 4)
        + b"".join(le(amount, 5) for amount in payments)
        + bytes([0])
        + bytes(30)
        + bytes([0x01])
    )


def stored_tags(control, fd_number):
    """The receipt's top-level tags and the tags of each of its items."""
    tlvs = [
        (tag, bytes.fromhex(value))
        for tag, value in control.document(fd_number)["tlvs"]
    ]
    items = [dict(parse_tlvs(value)) for tag, value in tlvs if tag == 1059]
    return dict(tlvs), items


def sell_items(client, methods, price=150000, op=1):
    """Send one FF46 item per payment method in ``methods``."""
    for method in methods:
        answer = client.command(operation(price=price, op=op, method=method))
        assert error_of(answer) == 0


def test_a_sale_fully_on_credit_stores_tag_1216_and_no_cash(emulator):
    client, control = emulator
    start_shift(client)
    sell_items(client, [ON_CREDIT, ON_CREDIT])

    answer = client.command(close_with_credit(credit=300000))
    assert error_of(answer) == 0
    wait_idle(client)

    tags, items = stored_tags(control, fd_of(answer)[0])
    assert parse_vln(tags[1216]) == 300000
    assert parse_vln(tags[1020]) == 300000
    assert 1031 not in tags and 1081 not in tags
    assert [item[1214] for item in items] == [b"\x06", b"\x06"]


def test_a_sale_partly_on_credit_stores_the_cash_and_the_credit(emulator):
    client, control = emulator
    start_shift(client)
    sell_items(client, [PARTIAL_CREDIT])

    answer = client.command(close_with_credit(credit=100000, cash=50000))
    assert error_of(answer) == 0
    wait_idle(client)

    tags, items = stored_tags(control, fd_of(answer)[0])
    assert parse_vln(tags[1031]) == 50000
    assert parse_vln(tags[1216]) == 100000
    assert items[0][1214] == b"\x05"


def test_a_return_of_a_credit_sale_stores_tag_1216_on_the_return_side(emulator):
    client, control = emulator
    start_shift(client)
    assert error_of(client.command(open_receipt(kind=2))) == 0
    sell_items(client, [ON_CREDIT], op=2)

    answer = client.command(close_with_credit(credit=150000))
    assert error_of(answer) == 0
    wait_idle(client)

    tags, _items = stored_tags(control, fd_of(answer)[0])
    assert tags[1054] == b"\x02"
    assert parse_vln(tags[1216]) == 150000


def test_a_credit_item_next_to_a_fully_paid_one_is_accepted(emulator):
    client, control = emulator
    start_shift(client)
    sell_items(client, [FULL_PAYMENT, ON_CREDIT])

    answer = client.command(close_with_credit(credit=150000, cash=150000))
    assert error_of(answer) == 0
    wait_idle(client)

    tags, _items = stored_tags(control, fd_of(answer)[0])
    assert parse_vln(tags[1216]) == 150000


@pytest.mark.parametrize(
    ("methods", "payments"),
    [
        ([FULL_PAYMENT], {"credit": 150000}),
        ([1], {"credit": 150000}),
        ([ON_CREDIT], {"cash": 150000, "credit": 0}),
        ([PARTIAL_CREDIT], {"electronic": 150000, "credit": 0}),
        ([FULL_PAYMENT, ON_CREDIT], {"credit": 300000}),
    ],
    ids=[
        "credit-with-full-payment-items",
        "credit-with-prepayment-items",
        "transfer-on-credit-paid-in-cash",
        "partial-credit-without-credit",
        "credit-above-the-items-on-credit",
    ],
)
def test_a_credit_sum_that_contradicts_the_items_is_refused_and_nothing_stored(
    emulator, methods, payments
):
    client, control = emulator
    start_shift(client)
    sell_items(client, methods)
    documents_before = len(control.documents())

    answer = client.command(close_with_credit(**payments))

    assert error_of(answer) == PARAMETER_ERROR
    assert len(control.documents()) == documents_before
    assert mode_of(client.command(status()))[0] & 0x0F == 8
