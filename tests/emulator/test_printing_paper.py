# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Printing takes time (error 50h meanwhile); paper out mid-receipt waits for B0h."""

from .common import (
    CASHIER,
    close_receipt,
    error_of,
    le,
    mode_of,
    open_receipt,
    open_shift,
    operation,
    start_shift,
    status,
    wait_idle,
)

CONTINUE = bytes([0xB0]) + le(CASHIER, 4)


def test_command_during_printing_is_refused_with_50h_until_printing_ends(emulator):
    client, control = emulator
    control.set_print_time(0.5, code=0xE0)
    assert error_of(client.command(open_shift())) == 0
    assert mode_of(client.command(status())) == (2, 5)
    assert error_of(client.command(open_receipt())) == 0x50
    wait_idle(client)
    assert error_of(client.command(open_receipt())) == 0


def test_paper_out_mid_receipt_stores_it_and_waits_for_continue(emulator):
    client, control = emulator
    start_shift(client)
    client.command(open_receipt())
    client.command(operation(price=1000))
    control.paper_out()
    answer = client.command(close_receipt(cash=1000))
    assert error_of(answer) == 0
    assert mode_of(client.command(status())) == (2, 2)
    assert error_of(client.command(open_receipt())) == 0x6B

    control.paper_loaded()
    assert mode_of(client.command(status())) == (2, 3)
    assert error_of(client.command(open_receipt())) == 0x58
    assert error_of(client.command(CONTINUE)) == 0
    assert mode_of(wait_idle(client)) == (2, 0)
    assert [doc["type"] for doc in control.documents()] == ["open shift", "receipt"]


def test_paper_running_out_while_printing_interrupts_the_print(emulator):
    client, control = emulator
    control.set_print_time(5.0, code=0xE0)
    client.command(open_shift())
    control.paper_out()
    assert mode_of(client.command(status())) == (2, 2)
    control.paper_loaded()
    assert error_of(client.command(CONTINUE)) == 0
    control.set_print_time(0.01)
    assert mode_of(wait_idle(client)) == (2, 0)


def test_paper_out_while_idle_refuses_printing_commands(emulator):
    client, control = emulator
    control.paper_out()
    answer = client.command(status())
    assert mode_of(answer) == (4, 1)
    assert int.from_bytes(answer[3:5], "little") & 0x0082 == 0
    assert error_of(client.command(open_shift())) == 0x6B
    control.paper_loaded()
    assert error_of(client.command(open_shift())) == 0


def test_status_queries_answer_while_printing(emulator):
    client, control = emulator
    control.set_print_time(0.5)
    start_shift(client)
    client.command(operation(price=100))
    client.command(close_receipt(cash=100))
    assert error_of(client.command(bytes.fromhex("ff 01 1e 00 00 00"))) == 0
    assert mode_of(client.command(status())) == (2, 5)
