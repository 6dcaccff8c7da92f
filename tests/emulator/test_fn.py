# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The FN model: numbering, fiscal signs, stored TLVs, OFD queue and FN blocks."""

import datetime

from kkt.emulator.fn import OPEN_SHIFT, FiscalStorage
from kkt.tlv import parse_tlvs, parse_vln, tlv_string

from .common import (
    SYSADMIN,
    close_receipt,
    error_of,
    eventually,
    fd_of,
    fn_command,
    item_tlv,
    le,
    open_receipt,
    open_shift,
    operation,
    receipt_tlv,
    sell,
    start_shift,
    wait_idle,
    z_report,
)

MARK = "0001-0002-0003"
T17F71 = bytes([17, 1, 0, 71])


def read_document(client, number):
    """Read an FD back with FF3A then FF3B until error 08h; return (type, TLVs)."""
    head = client.command(fn_command(0x3A, le(number, 4)))
    assert error_of(head) == 0
    doc_type, length = int.from_bytes(head[3:5], "little"), head[5] | head[6] << 8
    data = b""
    while True:
        chunk = client.command(fn_command(0x3B))
        if error_of(chunk) == 0x08:
            break
        data += chunk[3:]
    assert len(data) == length
    return doc_type, parse_tlvs(data)


def test_documents_are_numbered_in_order_across_shifts(emulator):
    client, control = emulator
    start_shift(client)
    first = fd_of(sell(client))[0]
    second = fd_of(sell(client))[0]
    client.command(z_report())
    wait_idle(client)
    shift = client.command(fn_command(0x40))
    assert (first, second) == (2, 3)
    assert shift[3:] == bytes([0]) + le(1, 2) + le(2, 2)
    status = client.command(fn_command(0x01))
    assert int.from_bytes(status[-4:], "little") == 4
    assert [doc["type"] for doc in control.documents()] == [
        "open shift",
        "receipt",
        "receipt",
        "close shift",
    ]


def test_fn_open_and_close_shift_commands_return_shift_fd_and_sign(emulator):
    client, _control = emulator
    assert error_of(client.command(fn_command(0x0B))) == 0x02
    assert error_of(client.command(fn_command(0x41))) == 0
    opened = client.command(fn_command(0x0B))
    assert opened[3:5] == le(1, 2)
    assert opened[5:9] == le(1, 4)
    assert error_of(client.command(fn_command(0x42))) == 0
    closed = client.command(fn_command(0x43))
    assert closed[3:9] == le(1, 2) + le(2, 4)
    assert client.command(fn_command(0x40))[3] == 0


def test_fiscal_sign_is_a_keyed_hash_of_the_document():
    one = FiscalStorage("9999078900000001")
    same = FiscalStorage("9999078900000001")
    other = FiscalStorage("9999078900000002")
    body = tlv_string(1030, "Lens")
    assert one.fiscal_sign(body) == same.fiscal_sign(body)
    assert one.fiscal_sign(body) != other.fiscal_sign(body)
    document = one.store(OPEN_SHIFT, 1.8e9, [])
    assert document.sign == one.recompute_sign(document)


def test_receipt_tags_are_read_back_through_ff3a_and_ff3b(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(open_receipt())
    for tag, text in ((1192, MARK), (1008, "+79991234567"), (1021, "Ivanova")):
        client.command(receipt_tlv(tag, text.encode("cp866")))
    client.command(receipt_tlv(1203, b"770123456789"))
    client.command(operation(name="Очки", price=2000, quantity=1_500_000))
    assert error_of(client.command(item_tlv(2108, b"\x00"))) == 0
    fd, sign = fd_of(client.command(close_receipt(cash=1000, electronic=2000)))

    doc_type, tlvs = read_document(client, fd)
    tags = dict(tlvs)
    item = dict(parse_tlvs(tags[1059]))
    assert doc_type == 3
    assert tags[1192].decode("cp866") == MARK
    assert tags[1008] == b"+79991234567"
    assert tags[1021].decode("cp866") == "Ivanova"
    assert tags[1203] == b"770123456789"
    assert tags[1054] == b"\x01"
    assert tags[1055] == b"\x01"
    assert parse_vln(tags[1020]) == 3000
    assert parse_vln(tags[1031]) == 1000
    assert parse_vln(tags[1081]) == 2000
    assert int.from_bytes(tags[1077][2:], "big") == sign
    assert item[1030].decode("cp866") == "Очки"
    assert parse_vln(item[1079]) == 2000
    assert item[1023] == b"\x01\x0f"
    assert parse_vln(item[1043]) == 3000
    assert item[1199] == bytes([11])
    assert item[1214] == b"\x04"
    assert item[1212] == b"\x01"
    assert item[2108] == b"\x00"


def test_find_document_reports_type_operation_and_total(emulator):
    client, _control = emulator
    start_shift(client)
    fd, sign = fd_of(sell(client, price=4200))
    answer = client.command(fn_command(0x0A, le(fd, 4)))
    assert answer[3:5] == b"\x03\x00"
    assert answer[10:18] == le(fd, 4) + le(sign, 4)
    assert answer[18:] == b"\x01" + le(4200, 5)
    assert error_of(client.command(fn_command(0x0A, le(99, 4)))) == 0x08


def test_rounding_is_deducted_from_the_booked_total_up_to_99_kopecks(emulator):
    client, control = emulator
    start_shift(client)
    assert error_of(client.command(operation(price=150050))) == 0
    refused = client.command(close_receipt(cash=150000, rounding=100))
    assert error_of(refused) == 0x33
    answer = client.command(close_receipt(cash=150000, rounding=50))
    assert error_of(answer) == 0
    wait_idle(client)
    receipt = control.documents()[-1]
    assert receipt["total"] == 150000
    _doc_type, tlvs = read_document(client, receipt["number"])
    assert parse_vln(dict(tlvs)[1020]) == 150000


def test_control_lists_documents_with_their_marks(emulator):
    client, control = emulator
    start_shift(client)
    sell(client, tlvs=[(1192, MARK.encode("cp866"))])
    receipt = control.documents()[-1]
    assert (receipt["mark"], receipt["total"], receipt["receipt"]) == (MARK, 150000, 1)
    detail = control.document(receipt["number"])
    assert [1192, MARK.encode("cp866").hex()] in detail["tlvs"]


def test_unsent_documents_are_counted_until_the_ofd_drains_them(emulator):
    client, control = emulator
    start_shift(client)
    sell(client)
    sell(client)
    assert client.command(fn_command(0x3F))[3:] == le(3, 2)
    ofd = client.command(fn_command(0x39))
    assert ofd[3] & 0x02
    assert ofd[5:7] == le(3, 2)
    assert ofd[7:11] == le(1, 4)
    control.set_ofd_rate(10000)
    assert eventually(lambda: client.command(fn_command(0x3F))[3:] == le(0, 2))
    assert client.command(fn_command(0x39))[7:16] == bytes(9)


def test_documents_unsent_for_30_days_block_sales_with_14h(emulator):
    client, control = emulator
    start_shift(client)
    control.advance_clock(hours=31 * 24)
    client.command(z_report())
    wait_idle(client)
    start_shift(client)
    assert error_of(client.command(open_receipt())) == 0x14
    assert error_of(client.command(operation())) == 0x14
    assert client.command(fn_command(0x01))[7] & 0x08


def test_forced_30_day_block_can_be_lifted(emulator):
    client, control = emulator
    start_shift(client)
    control.block_30_days()
    assert error_of(client.command(open_receipt())) == 0x14
    control.block_30_days(False)
    assert error_of(client.command(open_receipt())) == 0


def test_exhausted_fn_refuses_new_documents_with_12h(emulator):
    client, control = emulator
    control.fn_exhausted()
    assert error_of(client.command(open_shift())) == 0x12
    assert control.state()["fd"] == 0


def test_warning_flags_show_in_fn_status(emulator):
    client, control = emulator
    control.set_warnings(0x05)
    assert client.command(fn_command(0x01))[7] == 0x05


def test_vat_20_is_booked_as_22_in_2026_unless_t17f71_is_2(emulator):
    client, control = emulator
    start_shift(client)
    first = fd_of(sell_at_vat20(client))[0]
    write = bytes([0x1E]) + le(SYSADMIN, 4) + T17F71 + b"\x02"
    assert error_of(client.command(write)) == 0
    assert client.command(bytes([0x1F]) + le(SYSADMIN, 4) + T17F71) == b"\x1f\x00\x02"
    second = fd_of(sell_at_vat20(client))[0]
    assert item_vat(control, first) == 11
    assert item_vat(control, second) == 1


def sell_at_vat20(client):
    client.command(operation(price=100, tax=0x01))
    answer = client.command(close_receipt(cash=100))
    wait_idle(client)
    return answer


def item_vat(control, number):
    tags = {
        tag: bytes.fromhex(value) for tag, value in control.document(number)["tlvs"]
    }
    return dict(parse_tlvs(tags[1059]))[1199][0]


def test_clock_set_back_before_the_last_document_refuses_new_ones(emulator):
    client, control = emulator
    start_shift(client)
    control.advance_clock(hours=-1)
    assert error_of(client.command(open_receipt())) == 0
    assert error_of(client.command(operation(price=100))) == 0
    assert error_of(client.command(close_receipt(cash=100))) == 0x17
    control.advance_clock(hours=1)
    assert error_of(client.command(close_receipt(cash=100))) == 0


def test_fn_status_dates_the_last_document(emulator):
    client, control = emulator
    start_shift(client)
    opened = control.state()["shift"]["opened_at"]
    control.advance_clock(hours=3)
    answer = client.command(fn_command(0x01))
    moment = datetime.datetime.fromtimestamp(opened)
    assert answer[8:13] == bytes(
        [moment.year % 100, moment.month, moment.day, moment.hour, moment.minute]
    )


def test_documents_made_with_the_clock_set_back_look_old_in_ofd_status(emulator):
    client, control = emulator
    control.set_clock_offset(-25 * 86400)
    start_shift(client)
    control.set_clock_offset(0)
    first_unsent = client.command(fn_command(0x39))[11:16]
    moment = datetime.datetime.now() - datetime.timedelta(days=25)
    assert first_unsent[:3] == bytes([moment.year % 100, moment.month, moment.day])
