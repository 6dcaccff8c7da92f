# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Protocol 1 link layer of the emulator: ENQ, ACK/NAK, lost and broken answers."""

import pytest

from kkt.frames import ACK, ENQ, NAK, STX, encode_frame1, read_frame1

from .common import RawClient, mode_of, open_shift, status


def test_enq_on_an_idle_device_is_answered_with_nak(emulator):
    client, _control = emulator
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK


def test_status_answer_carries_mode_and_submode(emulator):
    client, _control = emulator
    answer = client.command(status())
    assert answer[:2] == b"\x10\x00"
    assert len(answer) == 16
    assert mode_of(answer) == (4, 0)


def test_frame_with_bad_lrc_is_refused_with_nak_and_not_executed(emulator):
    client, control = emulator
    frame = bytearray(encode_frame1(status()))
    frame[-1] ^= 0x01
    client.write(frame)
    assert client.read_byte() == NAK
    assert control.counter(0x10) == 0


def test_truncated_frame_is_dropped_after_the_inter_byte_timeout(emulator):
    client, control = emulator
    client.write(encode_frame1(status())[:4])
    assert client.quiet_for(0.4) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK
    assert client.command(status())[1] == 0
    assert control.counter(0x10) == 1


def test_dropped_answer_is_fetched_with_enq_without_running_again(emulator):
    client, control = emulator
    control.answer_fault(0x10, "drop")
    client.write(encode_frame1(status()))
    assert client.read_byte() == ACK
    assert client.quiet_for(0.3) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == ACK
    assert client.read_answer()[:2] == b"\x10\x00"
    assert control.counter(0x10) == 1


def test_corrupted_answer_is_resent_after_nak_and_enq(emulator):
    client, control = emulator
    control.answer_fault(0x10, "corrupt")
    client.write(encode_frame1(status()))
    assert client.read_byte() == ACK
    assert client.read_byte() == STX
    with pytest.raises(Exception, match="LRC"):
        read_frame1(client.read)
    client.write(bytes([NAK, ENQ]))
    assert client.read_byte() == ACK
    assert client.read_answer()[:2] == b"\x10\x00"
    assert control.counter(0x10) == 1


def test_delayed_answer_is_announced_with_ack_to_enq(emulator):
    client, control = emulator
    control.answer_fault(0x10, "delay", seconds=0.5)
    client.write(encode_frame1(status()))
    assert client.read_byte() == ACK
    client.write(bytes([ENQ]))
    assert client.read_byte() == ACK
    assert client.read_answer()[:2] == b"\x10\x00"


def test_lost_answer_leaves_nothing_pending(emulator):
    client, control = emulator
    control.lose_answer(0x10)
    client.write(encode_frame1(status()))
    assert client.read_byte() == ACK
    assert client.quiet_for(0.3) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK
    assert control.counter(0x10) == 1


@pytest.mark.parametrize("emulator", [{"ff_after_ack": True}], indirect=True)
def test_ff_byte_follows_every_ack_when_switched_on(emulator):
    client, control = emulator
    client.write(encode_frame1(status()))
    assert client.read(2) == bytes([ACK, 0xFF])
    assert client.read_answer()[:2] == b"\x10\x00"
    control.ff_after_ack(False)
    client.write(encode_frame1(status()))
    assert client.read_byte() == ACK
    assert client.read_byte() == STX


def test_silent_device_answers_nothing_until_it_comes_back(emulator):
    client, control = emulator
    control.silent(True)
    client.write(bytes([ENQ]))
    assert client.quiet_for(0.3) == b""
    control.silent(False)
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK


def test_busy_device_answers_50h_without_running_the_command(emulator):
    client, control = emulator
    control.busy(2)
    assert client.command(status()) == b"\x10\x50"
    assert client.command(status()) == b"\x10\x50"
    assert client.command(status())[1] == 0
    assert control.counter(0x10) == 1


def test_dropped_outgoing_byte_is_recovered_by_the_next_enq(emulator):
    client, control = emulator
    control.byte_fault("drop", 1)
    client.write(bytes([ENQ]))
    assert client.quiet_for(0.3) == b""
    client.write(bytes([ENQ]))
    assert client.read_byte() == NAK


def test_corrupted_incoming_byte_is_ignored(emulator):
    client, control = emulator
    control.byte_fault("corrupt", 1, direction="in")
    client.write(bytes([ENQ]))
    assert client.quiet_for(0.3) == b""
    assert client.command(status())[1] == 0


def test_second_connection_talks_to_the_same_device(emulator):
    client, control = emulator
    other = RawClient(client.port.port)
    try:
        assert mode_of(other.command(status())) == (4, 0)
        client.command(open_shift())
    finally:
        other.close()
    journal = control.journal()
    assert [(e["code"], e["connection"]) for e in journal] == [
        ("10", "tcp-2"),
        ("E0", "tcp-1"),
    ]
    assert all(e["received"] <= e["answered"] for e in journal)


@pytest.mark.parametrize("emulator", [{"answer_delay": {"E0": 0.5}}], indirect=True)
def test_slow_command_is_reported_as_pending_to_enq(emulator):
    client, _control = emulator
    client.write(encode_frame1(open_shift()))
    assert client.read_byte() == ACK
    client.write(bytes([ENQ]))
    assert client.read_byte() == ACK
    assert client.read_answer() == b"\xe0\x00\x01"


def test_delayed_bytes_still_arrive_in_order(emulator):
    client, control = emulator
    control.byte_fault("delay", 2, seconds=0.1)
    assert client.command(status())[:2] == b"\x10\x00"
