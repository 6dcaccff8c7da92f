# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Against the emulator: plain texts reach the FN, bad input fails before a byte.

Link errors name the device with its URL and say what to do.
"""

import socket

import pytest

from kkt import commands as cmd
from kkt.emulator.testing import running_emulator
from kkt.errors import KktError, LinkError
from kkt.receipt import Receipt, ReceiptError, ReceiptLine
from kkt.session import MODE_OPEN, KktSession
from kkt.tlv import parse_tlvs
from kkt.transport import Transport

from .common import run_kkt_status

SCALE = 0.05
TAG_ITEM = 1059
TAG_ITEM_NAME = 1030
TAG_CASHIER = 1021


@pytest.fixture
def session(emulator):
    url, _control = emulator
    with KktSession.connect(url, timeout_scale=SCALE, device_name="KKT 1") as kkt:
        kkt.open_shift("Іван")
        yield kkt


def fn_texts(control, fd_number):
    """Cashier name and item names of a receipt as the emulator's FN keeps them."""
    tlvs = [
        (tag, bytes.fromhex(value))
        for tag, value in control.document(fd_number)["tlvs"]
    ]
    cashier = [value.decode("cp866") for tag, value in tlvs if tag == TAG_CASHIER]
    names = [
        value.decode("cp866")
        for tag, item in tlvs
        if tag == TAG_ITEM
        for child, value in parse_tlvs(item)
        if child == TAG_ITEM_NAME
    ]
    return cashier, names


def test_typographic_names_and_a_foreign_cashier_are_fiscalised_plain(
    emulator, session
):
    _url, control = emulator
    lines = [
        ReceiptLine("Оправа «Ray-Ban» — чёрная", 100000, 1, 100000, "vat22"),
        ReceiptLine("Cleaning “Pro” – 5 €", 50000, 1, 50000, "vat22"),
    ]
    sold = Receipt(lines, mark="POS1-0101", cash=150000, cashier_name="José")
    result = session.fiscalise(sold)
    cashier, names = fn_texts(control, result.fd_number)
    assert cashier == ["Jose"]
    assert names == ['Оправа "Ray-Ban" - чёрная', 'Cleaning "Pro" - 5 EUR']


def test_a_shift_opened_by_a_cashier_with_ukrainian_letters_is_stored_plain(
    emulator, session
):
    _url, control = emulator
    opened = [
        summary["number"]
        for summary in control.documents()
        if summary["doc_type"] == cmd.DOC_OPEN_SHIFT
    ]
    assert fn_texts(control, opened[-1])[0] == ["Иван"]


def test_the_emulator_stores_a_name_without_a_cp866_form_as_question_marks(
    emulator, session
):
    _url, control = emulator
    session.call(cmd.OPEN_RECEIPT, cmd.open_receipt(30, cmd.RECEIPT_SALE))
    session.call(
        cmd.OPERATION_V2,
        cmd.operation_v2(30, 1, 1, 100, 100, 0x01, 4, 1, "«Lens» — €"),
    )
    answer = cmd.CloseReceiptAnswer.decode(
        session.call(cmd.CLOSE_RECEIPT_V2, cmd.close_receipt_v2(30, 100, 0, 0x01))
    )
    _cashier, names = fn_texts(control, answer.fd_number)
    assert names == ["?Lens? ? ?"]


def test_a_contact_the_fn_cannot_store_is_refused_and_nothing_is_opened(session):
    lines = [ReceiptLine("Lens", 100, 1, 100, "vat22")]
    sold = Receipt(lines, "POS1-0103", cash=100, buyer_contact="müller@example.de")
    with pytest.raises(ReceiptError) as caught:
        session.fiscalise(sold)
    assert "Receipt POS1-0103: buyer contact" in caught.value.message
    assert "e-mail address in Latin letters" in caught.value.message
    assert session.short_status().mode == MODE_OPEN


def test_huge_numbers_are_refused_before_the_receipt_is_opened(session):
    huge = ReceiptLine("Lens", 1, 300_000_000, 300_000_000, "vat22")
    sold = Receipt([huge], "POS1-0104", cash=300_000_000)
    with pytest.raises(ReceiptError):
        session.fiscalise(sold)
    assert session.short_status().mode == MODE_OPEN


@pytest.mark.parametrize("password", [-1, 2**32, "30", 1.5])
def test_a_bad_password_is_refused_naming_the_device(emulator, password):
    url, _control = emulator
    with pytest.raises(KktError) as caught:
        KktSession.connect(url, password=password, device_name="Касса 2")
    assert not caught.value.retryable
    assert caught.value.message.startswith("Касса 2: the operator password")
    assert "0 to 4294967295" in caught.value.message


def test_kkt_status_reports_a_bad_password_without_a_traceback():
    done = run_kkt_status("socket://127.0.0.1:9", "--password", "-1")
    assert done.returncode == 2
    assert "operator password -1 must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "url", ["socket://127.0.0.1", "socket://127.0.0.1:99999", "rfc2217://:80", ""]
)
def test_a_bad_url_is_refused_naming_the_device_and_the_forms(url):
    with pytest.raises(KktError) as caught:
        KktSession.connect(url, device_name="Касса 2")
    message = caught.value.message
    assert message.startswith(f"Касса 2: the port address {url!r}")
    assert "socket://host:port, rfc2217://host:port" in message
    assert "Касса 2: адрес порта" in caught.value.message_ru


def test_kkt_status_reports_a_bad_url_without_a_traceback():
    done = run_kkt_status("socket://127.0.0.1")
    assert done.returncode == 2
    assert "needs a host and a port" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_protocol_1_client_of_a_protocol_2_device_suggests_the_setting():
    with running_emulator(protocol=2, print_time=0.01) as (url, _control):
        with KktSession.connect(url, timeout_scale=SCALE, device_name="KKT 3") as kkt:
            with pytest.raises(LinkError) as caught:
                kkt.short_status()
    message = caught.value.message
    assert message.startswith(f"KKT 3 ({url}): ")
    assert "check the protocol setting of the device" in message
    assert message.endswith("the call will be retried.")
    assert caught.value.retryable


def test_a_broken_pipe_names_the_device_once_and_says_what_to_do():
    server = socket.create_server(("127.0.0.1", 0))
    url = f"socket://127.0.0.1:{server.getsockname()[1]}"
    transport = Transport.open(url, device_name="KKT 4")
    peer, _address = server.accept()
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
    peer.close()
    server.close()
    try:
        with pytest.raises(LinkError) as caught:
            for _attempt in range(100):
                transport.write(b"\x05" * 1024)
    finally:
        transport.close()
    message = caught.value.message
    assert message.startswith(f"KKT 4 ({url}): ")
    assert message.count("failed") == 1
    assert message.endswith(
        "Check the cable, power and network of the device; the call will be retried."
    )
