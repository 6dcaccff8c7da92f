# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every command: request bytes as the brief lays them out, answers decoded."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from kkt import commands as cmd
from kkt.errors import DeviceError, FrameError
from kkt.frames import decode_frame1, encode_frame1, lrc

from .common import ANSWER_DECODERS

FN_SERIAL = "9999078900012345"


def fn_status_frame(serial):
    """The captured FF01 answer of the brief with ``serial`` in its FN field."""
    head = bytes.fromhex("21 ff 01 00 03 00 00 01 00 15 07 1d 0b 1d")
    body = head + serial.encode("ascii") + bytes.fromhex("a9 01 00 00")
    return b"\x02" + body + bytes([lrc(body)])


def test_captured_fn_status_answer_decodes_to_phase_shift_and_last_fd():
    frame = fn_status_frame(FN_SERIAL)
    status = cmd.FnStatus.decode(cmd.answer_body(cmd.FN_STATUS, decode_frame1(frame)))
    assert status.phase == 3
    assert status.document == 0
    assert status.shift_open is True
    assert status.warnings == 0
    assert status.last_document_at == datetime(2021, 7, 29, 11, 29)
    assert status.serial == FN_SERIAL
    assert status.last_fd_number == 425


def test_captured_requests_are_encoded_byte_for_byte():
    assert encode_frame1(cmd.request(cmd.SHORT_STATUS, 30)).hex(" ") == (
        "02 05 10 1e 00 00 00 0b"
    )
    assert encode_frame1(cmd.request(cmd.FN_STATUS, 30)).hex(" ") == (
        "02 06 ff 01 1e 00 00 00 e6"
    )


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        (cmd.FULL_STATUS, b"", "11 1e 00 00 00"),
        (cmd.X_REPORT, b"", "40 1e 00 00 00"),
        (cmd.Z_REPORT, b"", "41 1e 00 00 00"),
        (cmd.CANCEL_RECEIPT, b"", "88 1e 00 00 00"),
        (cmd.CONTINUE_PRINT, b"", "b0 1e 00 00 00"),
        (cmd.OPEN_SHIFT, b"", "e0 1e 00 00 00"),
        (cmd.FN_SERIAL, b"", "ff 02 1e 00 00 00"),
        (cmd.FN_EXPIRY, b"", "ff 03 1e 00 00 00"),
        (cmd.OFD_STATUS, b"", "ff 39 1e 00 00 00"),
        (cmd.DOCUMENT_TLV_READ, b"", "ff 3b 1e 00 00 00"),
        (cmd.OFD_UNSENT, b"", "ff 3f 1e 00 00 00"),
        (cmd.SHIFT_PARAMS, b"", "ff 40 1e 00 00 00"),
        (cmd.FN_RESOURCE, b"", "ff 63 1e 00 00 00"),
    ],
)
def test_password_only_requests_carry_code_and_password(code, params, expected):
    assert cmd.request(code, 30, params).hex(" ") == expected


def test_device_type_request_has_no_password():
    assert cmd.request(cmd.DEVICE_TYPE).hex() == "fc"


def test_document_requests_carry_the_fd_number():
    assert cmd.find_document(30, 425).hex(" ") == "ff 0a 1e 00 00 00 a9 01 00 00"
    assert cmd.document_tlv_begin(30, 1).hex(" ") == "ff 3a 1e 00 00 00 01 00 00 00"


def test_open_receipt_carries_the_receipt_type():
    assert cmd.open_receipt(30, cmd.RECEIPT_SALE).hex(" ") == "8d 1e 00 00 00 00"


def test_tlv_blocks_go_to_receipt_or_item_and_are_bounded():
    data = bytes.fromhex("a8 04 02 00 6d 31")
    assert cmd.tlv_block(cmd.RECEIPT_TLV, 30, data)[:2] == b"\xff\x0c"
    assert cmd.tlv_block(cmd.ITEM_TLV, 30, data)[:2] == b"\xff\x4d"
    with pytest.raises(FrameError):
        cmd.tlv_block(cmd.RECEIPT_TLV, 30, bytes(251))


def test_operation_v2_lays_out_quantity_price_sum_tax_and_tags():
    payload = cmd.operation_v2(1, 2, Decimal("0.001"), 99999, 100, 0x08, 1, 4, "Линза")
    assert payload[:2] == b"\xff\x46"
    assert payload[2:6] == b"\x01\x00\x00\x00"
    assert payload[6] == 2
    assert int.from_bytes(payload[7:13], "little") == 1000
    assert int.from_bytes(payload[13:18], "little") == 99999
    assert int.from_bytes(payload[18:23], "little") == 100
    assert payload[23:28] == b"\xff" * 5
    assert list(payload[28:32]) == [0x08, 1, 1, 4]
    assert payload[32:].decode("cp1251") == "Линза"


def test_close_receipt_v2_puts_cash_first_electronic_second_and_tax_system_last():
    payload = cmd.close_receipt_v2(30, 5000, 12345, 0x02, text="Спасибо")
    sums = [
        int.from_bytes(payload[6 + 5 * slot : 11 + 5 * slot], "little")
        for slot in range(16)
    ]
    assert sums == [5000, 12345] + [0] * 14
    assert payload[86] == 0
    assert payload[87:117] == bytes(30)
    assert payload[117] == 0x02
    assert payload[118:].decode("cp1251") == "Спасибо"


def test_answer_with_an_error_byte_raises_device_error_with_code_and_command():
    with pytest.raises(DeviceError) as caught:
        cmd.answer_body(cmd.CLOSE_RECEIPT_V2, bytes.fromhex("ff 45 6b"), "KKT 1")
    assert caught.value.code == 0x6B
    assert caught.value.command == 0xFF45
    assert "paper" in caught.value.message


def test_answer_to_another_command_is_a_frame_error():
    with pytest.raises(FrameError):
        cmd.answer_body(cmd.SHORT_STATUS, bytes.fromhex("11 00 1e"))


@pytest.mark.parametrize("decoder", ANSWER_DECODERS)
def test_short_answers_raise_frame_errors_not_index_errors(decoder):
    with pytest.raises(FrameError):
        decoder(b"\x01")


def test_fn_serial_expiry_unsent_and_resource_answers():
    assert cmd.decode_fn_serial(FN_SERIAL.encode()) == FN_SERIAL
    assert cmd.decode_fn_expiry(bytes([27, 7, 29])) == date(2027, 7, 29)
    assert cmd.decode_fn_expiry(bytes(3)) is None
    assert cmd.decode_ofd_unsent(b"\x05\x01") == 261
    resource = cmd.FnResource.decode(bytes.fromhex("10 27 00 00 00 02 00 00 32"))
    assert (resource.documents_left, resource.ofd_area_kb) == (10000, 512)
    assert resource.marking_area_percent == 50


def test_ofd_status_without_unsent_documents_has_no_first_date():
    status = cmd.OfdStatus.decode(bytes(13))
    assert status.unsent_count == 0
    assert status.first_unsent_at is None


def test_close_receipt_answer_with_date_time_and_shift_report_documents():
    answer = cmd.CloseReceiptAnswer.decode(
        bytes(5) + bytes.fromhex("07 00 00 00 01 00 00 00")
    )
    assert (answer.fd_number, answer.fiscal_sign, answer.fiscal_datetime) == (
        7,
        1,
        None,
    )
    shift = cmd.FoundDocument.decode(
        bytes.fromhex("02 01 1a 0c 04 09 00 05 00 00 00 0a 00 00 00 03 00")
    )
    assert (shift.doc_type, shift.ofd_acknowledged, shift.shift_number) == (2, True, 3)
    assert shift.fiscal_datetime == datetime(2026, 12, 4, 9, 0)


def test_long_commands_wait_longer_than_status():
    assert cmd.timeout_for(cmd.OPEN_SHIFT) == 120
    assert cmd.timeout_for(cmd.Z_REPORT) == 65
    assert cmd.timeout_for(cmd.SHORT_STATUS) == 3
    assert cmd.timeout_for(cmd.FIND_DOCUMENT) == cmd.DEFAULT_TIMEOUT
