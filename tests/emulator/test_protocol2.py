# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Protocol 2: numbered frames, the cached answer for a repeated number, pings."""

import pytest

from kkt.frames import encode_frame2

from .common import open_shift, status

PROTOCOL2 = [{"protocol": 2}]


@pytest.mark.parametrize("emulator", PROTOCOL2, indirect=True)
def test_answer_carries_the_request_number(emulator):
    client, _control = emulator
    number, answer = client.command2(status(), number=7)
    assert number == 7
    assert answer[:2] == b"\x10\x00"


@pytest.mark.parametrize("emulator", PROTOCOL2, indirect=True)
def test_repeated_number_returns_the_cached_answer_without_running_again(emulator):
    client, control = emulator
    first = client.command2(open_shift(), number=5)
    again = client.command2(open_shift(), number=5)
    assert again == first
    assert first[1] == b"\xe0\x00\x01"
    assert control.counter(0xE0) == 1
    assert control.state()["fd"] == 1


@pytest.mark.parametrize("emulator", PROTOCOL2, indirect=True)
def test_dropped_answer_is_recovered_by_resending_the_same_number(emulator):
    client, control = emulator
    control.answer_fault(0xE0, "drop")
    client.write(encode_frame2(9, open_shift()))
    assert client.quiet_for(0.3) == b""
    number, answer = client.command2(open_shift(), number=9)
    assert (number, answer) == (9, b"\xe0\x00\x01")
    assert control.counter(0xE0) == 1


@pytest.mark.parametrize("emulator", PROTOCOL2, indirect=True)
def test_ping_returns_the_last_answer(emulator):
    client, _control = emulator
    assert client.command2(b"", number=1) == (0, b"")
    client.command2(status(), number=2)
    number, answer = client.command2(b"", number=3)
    assert number == 2
    assert answer[:2] == b"\x10\x00"


@pytest.mark.parametrize("emulator", PROTOCOL2, indirect=True)
def test_frame_with_bad_crc_is_ignored(emulator):
    client, control = emulator
    frame = bytearray(encode_frame2(4, status()))
    frame[-1] ^= 0x01
    client.write(frame)
    assert client.quiet_for(0.3) == b""
    assert control.counter(0x10) == 0
