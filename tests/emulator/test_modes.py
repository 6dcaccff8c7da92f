# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Modes, the 24-hour shift limit and the error codes of the command set."""

from .common import (
    ADMIN,
    CASHIER,
    close_receipt,
    error_of,
    fn_command,
    le,
    mode_of,
    open_receipt,
    open_shift,
    operation,
    start_shift,
    status,
    wait_idle,
    z_report,
)


def test_new_device_has_its_shift_closed_and_paper_in(emulator):
    client, _control = emulator
    answer = client.command(status())
    assert mode_of(answer) == (4, 0)
    assert int.from_bytes(answer[3:5], "little") & 0x0082 == 0x0082


def test_open_shift_moves_to_mode_2_and_refuses_a_second_open(emulator):
    client, _control = emulator
    start_shift(client)
    assert mode_of(client.command(status())) == (2, 0)
    assert error_of(client.command(open_shift())) == 0x3C


def test_open_receipt_is_mode_8_with_the_receipt_type_in_the_high_nibble(emulator):
    client, _control = emulator
    start_shift(client)
    assert error_of(client.command(open_receipt(kind=2))) == 0
    assert mode_of(client.command(status()))[0] == 0x28
    assert error_of(client.command(open_shift())) == 0x4A
    assert error_of(client.command(z_report())) == 0x4A


def test_item_without_open_receipt_opens_one_of_its_operation(emulator):
    client, _control = emulator
    start_shift(client)
    assert error_of(client.command(operation(op=2))) == 0
    assert mode_of(client.command(status()))[0] == 0x28
    assert client.command(status())[7] == 1


def test_shift_over_24_hours_refuses_sales_until_z_report(emulator):
    client, control = emulator
    start_shift(client)
    control.advance_clock(hours=24, seconds=1)
    assert mode_of(client.command(status())) == (3, 0)
    assert error_of(client.command(open_receipt())) == 0x4E
    assert error_of(client.command(operation())) == 0x4E
    assert error_of(client.command(z_report())) == 0
    wait_idle(client)
    assert mode_of(client.command(status())) == (4, 0)


def test_receipt_open_across_24_hours_cannot_be_closed(emulator):
    client, control = emulator
    start_shift(client)
    client.command(operation(price=100))
    control.advance_clock(hours=25)
    assert error_of(client.command(close_receipt(cash=100))) == 0x4E
    assert error_of(client.command(bytes([0x88]) + le(CASHIER, 4))) == 0


def test_cancelled_receipt_stores_no_document(emulator):
    client, control = emulator
    start_shift(client)
    client.command(open_receipt())
    client.command(operation())
    assert error_of(client.command(bytes([0x88]) + le(CASHIER, 4))) == 0
    assert mode_of(client.command(status())) == (2, 0)
    assert control.state()["fd"] == 1
    assert error_of(client.command(bytes([0x88]) + le(CASHIER, 4))) == 0x55


def test_wrong_password_is_refused_with_4fh(emulator):
    client, _control = emulator
    assert error_of(client.command(status(pwd=31))) == 0x4F
    assert error_of(client.command(z_report(pwd=CASHIER))) == 0x4F
    assert error_of(client.command(fn_command(0x01, pwd=ADMIN))) == 0x4F


def test_unknown_command_is_refused_with_37h(emulator):
    client, _control = emulator
    assert client.command(bytes.fromhex("25 1e 00 00 00")) == b"\x25\x37"


def test_short_parameters_are_refused_with_33h(emulator):
    client, _control = emulator
    assert client.command(bytes.fromhex("10 1e 00")) == b"\x10\x33"


def test_bad_item_fields_are_refused_with_33h(emulator):
    client, _control = emulator
    start_shift(client)
    assert error_of(client.command(operation(tax=0x03))) == 0x33
    assert error_of(client.command(operation(quantity=0))) == 0x33
    assert error_of(client.command(operation(price=1000, amount=1500))) == 0x33
    assert error_of(client.command(operation(method=9))) == 0x33


def test_sale_in_a_closed_shift_is_refused_with_3dh(emulator):
    client, _control = emulator
    assert error_of(client.command(open_receipt())) == 0x3D
    assert error_of(client.command(z_report())) == 0x3D


def test_payments_below_total_are_refused_with_45h(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(operation(price=1000))
    assert error_of(client.command(close_receipt(cash=999))) == 0x45
    assert mode_of(client.command(status()))[0] == 0x08


def test_receipt_without_total_is_refused_with_8eh(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(open_receipt())
    assert error_of(client.command(close_receipt(cash=0))) == 0x8E


def test_close_receipt_returns_change_of_cash(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(operation(price=1000))
    answer = client.command(close_receipt(cash=5000))
    assert error_of(answer) == 0
    assert int.from_bytes(answer[3:8], "little") == 4000


def test_subtotal_reports_the_open_receipt_sum(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(operation(price=1000, quantity=2_500_000))
    answer = client.command(bytes([0x89]) + le(CASHIER, 4))
    assert int.from_bytes(answer[2:7], "little") == 2500
