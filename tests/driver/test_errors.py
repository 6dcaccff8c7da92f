# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Device errors fall into two kinds, each with an English and a Russian message."""

import pytest

from kkt.errors import DEVICE_ERRORS, DeviceError, FrameError, LinkError

RETRY_LATER = [0x50, 0x58, 0x2F, 0x30, 0x11, 0xC8]
NEEDS_PERSON = [0x4E, 0x16, 0x12, 0x14, 0x4F, 0x6B, 0x05, 0x17, 0x45]


@pytest.mark.parametrize("code", RETRY_LATER)
def test_busy_and_link_kind_errors_are_retryable(code):
    assert DeviceError(code, 0xFF45, "KKT 1").retryable is True


@pytest.mark.parametrize("code", NEEDS_PERSON)
def test_shift_fn_password_and_paper_errors_need_a_person(code):
    assert DeviceError(code, 0xFF45, "KKT 1").retryable is False


def test_unknown_code_needs_a_person_and_names_the_code():
    error = DeviceError(0xEE, 0x10, "Front desk")
    assert error.retryable is False
    assert "EEh" in error.message and "Front desk" in error.message


@pytest.mark.parametrize("code", sorted(DEVICE_ERRORS))
def test_every_message_names_device_code_and_has_a_russian_text(code):
    error = DeviceError(code, 0x8D, "KKT 7")
    assert error.message.startswith("KKT 7: ")
    assert f"{code:02X}h" in error.message
    assert error.message_ru.startswith("KKT 7: ")
    assert any("а" <= char <= "я" for char in error.message_ru)


def test_link_and_frame_errors_are_retryable():
    assert LinkError("x").retryable and FrameError("x").retryable
