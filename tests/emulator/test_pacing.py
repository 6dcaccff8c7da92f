# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pacing at a baud rate: ten bits per byte, and a paced emulator still talks."""

import pytest

from kkt.emulator.faults import Faults
from kkt.emulator.link import Wire

from .common import mode_of, status


def test_wire_time_is_ten_bits_per_byte_at_the_baud_rate():
    assert Wire(None, Faults(), baud=9600).wire_time(96) == pytest.approx(0.1)
    assert Wire(None, Faults()).wire_time(96) == 0.0


@pytest.mark.parametrize("emulator", [{"baud": 9600}], indirect=True)
def test_a_paced_emulator_answers_like_an_unpaced_one(emulator):
    client, control = emulator
    assert mode_of(client.command(status())) == (4, 0)
    assert control.counter(0x10) == 1
