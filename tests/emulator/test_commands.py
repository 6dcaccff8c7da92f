# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Answer layouts of the remaining commands: identity, reports, FN reading."""

import datetime

from kkt.tlv import parse_tlvs

from .common import (
    ADMIN,
    CASHIER,
    SYSADMIN,
    error_of,
    fd_of,
    fn_command,
    le,
    mode_of,
    operation,
    receipt_tlv,
    sell,
    start_shift,
    wait_idle,
)
from .test_fn import read_document


def test_device_type_names_a_shtrih_model(emulator):
    client, _control = emulator
    answer = client.command(b"\xfc")
    assert answer[:2] == b"\xfc\x00"
    assert answer[8:].decode("cp1251").startswith("ШТРИХ-М")


def test_full_status_carries_mode_date_and_serial(emulator):
    client, _control = emulator
    start_shift(client)
    answer = client.command(bytes([0x11]) + le(CASHIER, 4))
    body = answer[2:]
    today = datetime.date.today()
    assert len(answer) == 50
    assert (body[13], body[14]) == (2, 0)
    assert body[23:26] == bytes([today.day, today.month, today.year % 100])
    serial = int.from_bytes(body[30:34], "little") + (
        int.from_bytes(body[46:48], "little") << 32
    )
    assert serial == 8900012345


def test_extended_request_announces_protocol_2(emulator):
    client, _control = emulator
    answer = client.command(b"\xf7\x01")
    assert int.from_bytes(answer[2:10], "little") & (1 << 28)


def test_fn_identity_commands_answer_serial_expiry_and_version(emulator):
    client, _control = emulator
    assert client.command(fn_command(0x02))[3:] == b"9999078900012345"
    assert client.command(fn_command(0x03))[3:6] == bytes([28, 3, 31])
    version = client.command(fn_command(0x04))
    assert len(version) == 3 + 17
    resource = client.command(fn_command(0x63))
    assert int.from_bytes(resource[3:7], "little") > 0


def test_x_report_prints_without_a_document(emulator):
    client, control = emulator
    start_shift(client)
    assert client.command(bytes([0x40]) + le(ADMIN, 4)) == b"\x40\x00\x1d"
    wait_idle(client)
    assert control.state()["fd"] == 1


def test_reprint_prints_the_last_document_again(emulator):
    client, control = emulator
    assert error_of(client.command(bytes([0x8C]) + le(CASHIER, 4))) == 0x08
    start_shift(client)
    assert error_of(client.command(bytes([0x8C]) + le(CASHIER, 4))) == 0
    assert mode_of(client.command(bytes([0x10]) + le(CASHIER, 4)))[1] in (0, 5)
    assert control.state()["fd"] == 1


def test_fn_cancel_drops_the_open_receipt(emulator):
    client, control = emulator
    assert error_of(client.command(fn_command(0x08))) == 0x02
    start_shift(client)
    client.command(operation())
    assert error_of(client.command(fn_command(0x08))) == 0
    assert control.state()["receipt"] is None


def test_settlement_report_counts_unconfirmed_documents(emulator):
    client, _control = emulator
    start_shift(client)
    sell(client)
    assert error_of(client.command(fn_command(0x38))) == 0x02
    assert error_of(client.command(fn_command(0x37))) == 0
    answer = client.command(fn_command(0x38))
    assert answer[3:7] == le(3, 4)
    assert answer[11:15] == le(2, 4)


def test_ofd_ticket_exists_only_for_sent_documents(emulator):
    client, control = emulator
    start_shift(client)
    assert error_of(client.command(fn_command(0x3C, le(1, 4)))) == 0x08
    control.set_ofd_rate(10000)
    control.state()
    answer = client.command(fn_command(0x3C, le(1, 4)))
    assert error_of(answer) == 0
    assert answer[-4:] == le(1, 4)


def test_shift_tags_sent_before_opening_go_into_the_shift_report(emulator):
    client, _control = emulator
    client.command(receipt_tlv(1021, "Petrova".encode("cp866")))
    start_shift(client)
    doc_type, tlvs = read_document(client, 1)
    assert doc_type == 2
    assert dict(tlvs)[1021].decode("cp866") == "Petrova"
    assert dict(tlvs)[1038] == le(1, 4)


def test_item_name_starting_with_two_slashes_keeps_the_rest(emulator):
    client, _control = emulator
    start_shift(client)
    client.command(operation(name="//Hidden lens", price=100))
    answer = client.command(
        bytes.fromhex("ff 45") + le(CASHIER, 4) + le(100, 5) + bytes(75 + 31) + b"\x01"
    )
    fd = fd_of(answer)[0]
    _type, tlvs = read_document(client, fd)
    item = dict(parse_tlvs(dict(tlvs)[1059]))
    assert item[1030].decode("cp866") == "Hidden lens"


def test_fn_commands_need_the_system_administrator_password(emulator):
    client, _control = emulator
    assert error_of(client.command(fn_command(0x02, pwd=ADMIN))) == 0x4F
    assert error_of(client.command(fn_command(0x02, pwd=SYSADMIN))) == 0
