# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The duplicate-receipt trap: FF45 runs, its answer never reaches the host."""

from kkt.frames import ACK, ENQ, NAK, encode_frame1

from .common import (
    close_receipt,
    error_of,
    fn_command,
    mode_of,
    open_receipt,
    operation,
    start_shift,
    status,
    wait_idle,
)


def test_lost_close_receipt_answer_leaves_exactly_one_receipt_in_the_fn(emulator):
    client, control = emulator
    start_shift(client)
    client.command(open_receipt())
    client.command(operation(price=1000))
    control.lose_answer(0xFF45)
    client.write(encode_frame1(close_receipt(cash=1000)))
    assert client.read_byte() == ACK
    assert client.quiet_for(0.3) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK

    assert mode_of(wait_idle(client)) == (2, 0)
    assert int.from_bytes(client.command(fn_command(0x01))[-4:], "little") == 2
    assert error_of(client.command(close_receipt(cash=1000))) == 0x55
    state = control.state()
    assert [doc["type"] for doc in state["documents"]].count("receipt") == 1
    assert state["counters"]["FF45"] == 2


def test_answer_dropped_on_the_wire_is_still_pending_for_enq(emulator):
    client, control = emulator
    start_shift(client)
    client.command(operation(price=1000))
    control.answer_fault("FF45", "drop")
    client.write(encode_frame1(close_receipt(cash=1000)))
    assert client.read_byte() == ACK
    assert client.quiet_for(0.3) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == ACK
    answer = client.read_answer()
    assert error_of(answer) == 0
    assert int.from_bytes(answer[8:12], "little") == 2
    assert mode_of(client.command(status()))[0] == 2
