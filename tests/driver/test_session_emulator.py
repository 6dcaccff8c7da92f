# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""KktSession against the emulator process: receipts, shifts, faults, recovery."""

import logging
import threading
import time
from datetime import datetime
from decimal import Decimal

import pytest

from kkt import commands as cmd
from kkt import session as session_module
from kkt.emulator.testing import running_emulator
from kkt.errors import DeviceError, LinkError, NeedsPersonError
from kkt.receipt import REFUND, Receipt, ReceiptError, ReceiptLine
from kkt.session import SHIFT_SEARCH_DEPTH, TAG_MEASURE, KktSession
from kkt.tlv import parse_tlvs

SCALE = 0.05
TAG_MARK = 1192


def three_line_receipt(mark="POS1-0001", **changes):
    lines = [
        ReceiptLine("Линза Acuvue", 150000, 2, 300000, "vat22"),
        ReceiptLine("Оправа Ray-Ban", 899000, 1, 899000, "vat22"),
        ReceiptLine("Подбор очков", 50000, 1, 50000, "none", payment_subject=4),
    ]
    values = {
        "lines": lines,
        "mark": mark,
        "cash": 249000,
        "electronic": 1000000,
        "cashier_name": "Иванова А.",
        "buyer_contact": "+79991234567",
    }
    values.update(changes)
    return Receipt(**values)


def receipts_with_mark(control, mark):
    """Receipts in the emulator's FN that carry ``mark`` in tag 1192."""
    found = []
    for summary in control.documents():
        if summary["doc_type"] != cmd.DOC_RECEIPT:
            continue
        document = control.document(summary["number"])
        marks = [bytes.fromhex(value) for tag, value in document["tlvs"]]
        tags = [tag for tag, _value in document["tlvs"]]
        if TAG_MARK in tags and marks[tags.index(TAG_MARK)] == mark.encode():
            found.append(summary["number"])
    return found


@pytest.fixture
def session(emulator):
    url, _control = emulator
    with KktSession.connect(url, timeout_scale=SCALE, device_name="KKT 1") as kkt:
        yield kkt


def test_a_fiscalised_receipt_returns_fd_sign_and_qr(emulator, session):
    _url, control = emulator
    session.open_shift("Иванова А.")
    result = session.fiscalise(three_line_receipt())
    assert result.recovered is False
    assert result.total == 1249000
    assert result.operation == 1
    assert result.shift_number == 1 and result.receipt_number == 1
    assert result.fn_serial == session.fn_status().serial
    assert result.qr == (
        f"t={result.fiscal_datetime:%Y%m%dT%H%M}&s=12490.00&fn={result.fn_serial}"
        f"&i={result.fd_number}&fp={result.fiscal_sign}&n=1"
    )
    document = control.document(result.fd_number)
    assert document["sign"] == result.fiscal_sign
    assert receipts_with_mark(control, "POS1-0001") == [result.fd_number]


def test_fiscalise_is_safe_to_repeat_when_the_close_answer_was_lost(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.lose_answer(0xFF45)
    with pytest.raises(LinkError) as caught:
        session.fiscalise(three_line_receipt())
    assert caught.value.retryable

    again = session.fiscalise(three_line_receipt())
    assert again.recovered is True
    assert again.total == 1249000
    assert control.counter(0xFF45) == 1
    assert receipts_with_mark(control, "POS1-0001") == [again.fd_number]
    assert again.fiscal_sign == control.document(again.fd_number)["sign"]


def test_fiscalise_in_a_new_session_finds_the_receipt_instead_of_printing(emulator):
    url, control = emulator
    with KktSession.connect(url, timeout_scale=SCALE) as first:
        first.open_shift()
        printed = first.fiscalise(three_line_receipt())
    with KktSession.connect(url, timeout_scale=SCALE) as second:
        found = second.fiscalise(three_line_receipt(), search_from_fd=1)
    assert found.recovered and found.fd_number == printed.fd_number
    assert (found.shift_number, found.receipt_number) == (1, 1)
    assert control.counter(0xFF45) == 1


def test_a_receipt_left_open_by_a_crashed_call_is_cancelled_then_printed(
    emulator, session
):
    _url, control = emulator
    session.open_shift()
    session.call(cmd.OPEN_RECEIPT, cmd.open_receipt(30, cmd.RECEIPT_SALE))
    assert control.state()["mode"] & 0x0F == 8
    result = session.fiscalise(three_line_receipt())
    assert control.counter(0x88) == 1
    assert receipts_with_mark(control, "POS1-0001") == [result.fd_number]


def test_paper_out_after_close_is_continued_never_resent(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.set_print_time(3.0, code=0xFF45)
    outcome = []
    worker = threading.Thread(
        target=lambda: outcome.append(session.fiscalise(three_line_receipt()))
    )
    worker.start()
    for _poll in range(500):
        if control.counter(0xFF45):
            break
        time.sleep(0.01)
    control.paper_out()
    worker.join(30)
    result = outcome[0]
    assert result.print_pending is True
    assert control.state()["submode"] == 2

    control.paper_loaded()
    control.set_print_time(0.01, code=0xFF45)
    status = session.status()
    assert control.counter(0xB0) == 0
    assert status.paper_out is True

    again = session.fiscalise(three_line_receipt())
    assert again.recovered and again.fd_number == result.fd_number
    assert control.counter(0xB0) == 1
    assert control.counter(0xFF45) == 1
    assert control.state()["submode"] == 0


def test_paper_out_before_a_receipt_needs_a_person_and_sends_nothing(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.paper_out()
    with pytest.raises(NeedsPersonError) as caught:
        session.fiscalise(three_line_receipt())
    assert "paper" in caught.value.message
    assert control.counter(0x8D) == 0


def test_a_shift_over_24_hours_needs_a_z_report(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.advance_clock(hours=25)
    with pytest.raises(NeedsPersonError) as caught:
        session.fiscalise(three_line_receipt())
    assert caught.value.retryable is False
    assert "24 hours" in caught.value.message
    assert "24 часов" in caught.value.message_ru
    status = session.status()
    assert status.shift_expired and status.blocked_reason
    report = session.close_shift()
    assert report.shift_number == 1
    assert session.status().shift_open is False


def test_closed_shift_needs_a_person_unless_auto_open_is_on(emulator):
    url, control = emulator
    with KktSession.connect(url, timeout_scale=SCALE) as kkt:
        with pytest.raises(NeedsPersonError) as caught:
            kkt.fiscalise(three_line_receipt())
        assert "shift is closed" in caught.value.message
    with KktSession.connect(url, timeout_scale=SCALE, auto_open_shift=True) as kkt:
        result = kkt.fiscalise(three_line_receipt())
    assert result.shift_number == 1
    assert control.counter(0xE0) == 1


def test_invalid_receipt_sends_nothing(emulator, session):
    _url, control = emulator
    control.reset_counters()
    with pytest.raises(ReceiptError):
        session.fiscalise(three_line_receipt(cash=0, electronic=0))
    assert control.state()["counters"] == {}


def test_rounding_is_deducted_from_the_booked_total_and_found_again(emulator, session):
    _url, control = emulator
    session.open_shift()
    lens = ReceiptLine("Линза", 150050, 1, 150050, "vat22")
    rounded = Receipt([lens], mark="POS1-0002", cash=150000, rounding=50)
    result = session.fiscalise(rounded)
    assert result.total == 150000
    assert "&s=1500.00&" in result.qr
    tags = dict(session.read_document(result.fd_number))
    assert int.from_bytes(tags[1020], "little") == 150000
    again = session.fiscalise(rounded)
    assert again.recovered and again.fd_number == result.fd_number
    assert control.counter(0xFF45) == 1


def test_refund_is_a_sale_return_found_apart_from_the_sale(emulator, session):
    _url, control = emulator
    session.open_shift()
    sale = session.fiscalise(three_line_receipt())
    refund = session.refund(three_line_receipt())
    assert refund.operation == REFUND and not refund.recovered
    assert refund.fd_number == sale.fd_number + 1
    assert session.find_receipt("POS1-0001", operation=REFUND).fd_number == (
        refund.fd_number
    )
    assert control.document(refund.fd_number)["operation"] == REFUND


def test_busy_answers_are_waited_out(emulator, session):
    _url, control = emulator
    control.busy(3)
    assert session.short_status().mode == 4


def test_device_refusal_cancels_the_receipt_and_names_the_error(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.fn_exhausted()
    with pytest.raises(DeviceError) as caught:
        session.fiscalise(three_line_receipt())
    assert caught.value.code == 0x12 and not caught.value.retryable
    assert control.state()["receipt"] is None


def test_status_reports_shift_fn_and_ofd_queue(emulator, session):
    _url, control = emulator
    control.set_ofd_rate(0)
    opened = session.open_shift()
    session.fiscalise(three_line_receipt())
    status = session.status()
    assert status.mode == 2 and status.submode == 0
    assert status.shift_open and not status.shift_expired
    assert status.shift_number == 1
    assert status.shift_opened_at == opened.fiscal_datetime
    assert status.last_fd_number == 2
    assert status.ofd_unsent_count == 2 and status.ofd_first_unsent_fd == 1
    assert status.ofd_oldest_unsent is not None
    assert status.fn_serial and status.fn_expiry
    assert status.model_name.startswith("ШТРИХ")
    assert status.blocked_reason is None


def test_fn_serial_resource_and_unsent_count_are_read(emulator, session):
    _url, control = emulator
    control.set_ofd_rate(0)
    session.open_shift()
    assert session.fn_serial() == session.fn_status().serial == "9999078900012345"
    assert session.ofd_unsent_count() == 1
    assert session.fn_resource().documents_left > 0


def test_a_line_sold_by_weight_carries_its_measure_in_the_item_tags(session):
    session.open_shift()
    solution = ReceiptLine("Раствор", 100000, Decimal("0.5"), 50000, "vat22")
    solution.measure = 11
    result = session.fiscalise(Receipt([solution], mark="POS1-0003", cash=50000))
    item = dict(session.read_document(result.fd_number))[1059]
    assert dict(parse_tlvs(item))[TAG_MEASURE] == bytes([11])


def test_fn_warnings_are_named(emulator, session):
    _url, control = emulator
    control.set_warnings(0x09)
    assert session.status().fn_warnings == ["replace_urgent", "ofd_timeout"]


def test_read_document_returns_the_receipt_tags(emulator, session):
    session.open_shift()
    result = session.fiscalise(three_line_receipt())
    tags = dict(session.read_document(result.fd_number))
    assert tags[TAG_MARK] == b"POS1-0001"
    assert tags[1008] == b"+79991234567"
    assert int.from_bytes(tags[1040], "little") == result.fd_number


def test_x_report_prints_unless_a_receipt_is_open(emulator, session):
    _url, control = emulator
    session.x_report()
    session.open_shift()
    session.call(cmd.OPEN_RECEIPT, cmd.open_receipt(30, cmd.RECEIPT_SALE))
    with pytest.raises(NeedsPersonError) as caught:
        session.x_report()
    assert "document open" in caught.value.message
    assert control.counter(0x40) == 1


def test_frames_are_logged_in_hex_without_passwords(emulator, session, caplog):
    with caplog.at_level(logging.DEBUG, logger="kkt.link"):
        session.short_status()
    sent = [record.getMessage() for record in caplog.records if "->" in record.msg]
    assert sent == [f"{session.link.transport.where} -> 10 ** ** ** **"]
    assert any("<- 10 00" in record.getMessage() for record in caplog.records)


def test_buyer_contact_stays_out_of_the_debug_log(emulator, session, caplog):
    session.open_shift()
    with caplog.at_level(logging.DEBUG, logger="kkt.link"):
        result = session.fiscalise(three_line_receipt())
        session.read_document(result.fd_number)
    contact = b"+79991234567".hex(" ")
    messages = [record.getMessage() for record in caplog.records]
    assert not [message for message in messages if contact in message]
    assert len([message for message in messages if "(buyer contact)" in message]) == 2


def test_protocol2_retransmission_does_not_execute_the_close_twice():
    with running_emulator(protocol=2, print_time=0.01) as (url, control):
        with KktSession.connect(url, protocol=2, timeout_scale=SCALE) as kkt:
            kkt.open_shift()
            control.lose_answer(0xFF45)
            result = kkt.fiscalise(three_line_receipt())
        assert result.recovered is False
        assert control.counter(0xFF45) == 1
        assert receipts_with_mark(control, "POS1-0001") == [result.fd_number]


def test_protocol1_answer_dropped_in_transit_is_fetched_with_enq(emulator, session):
    _url, control = emulator
    session.open_shift()
    control.answer_fault(0xFF45, "drop")
    result = session.fiscalise(three_line_receipt())
    assert result.recovered is False
    assert control.counter(0xFF45) == 1


def test_a_lost_close_answer_is_recovered_even_while_the_paper_is_out(
    emulator, session
):
    _url, control = emulator
    session.open_shift()
    control.set_print_time(5.0, code=0xFF45)
    control.lose_answer(0xFF45)
    with pytest.raises(LinkError):
        session.fiscalise(three_line_receipt())
    control.paper_out()
    found = session.fiscalise(three_line_receipt())
    assert found.recovered is True
    assert found.print_pending is True
    assert control.counter(0xFF45) == 1
    assert control.counter(0x8D) == 1


def test_extended_close_answers_date_the_receipt_without_another_command():
    with running_emulator(print_time=0.01, extended_answers=True) as (url, control):
        with KktSession.connect(url, timeout_scale=SCALE) as kkt:
            kkt.open_shift()
            last = kkt.fn_status().last_fd_number
            control.reset_counters()
            result = kkt.fiscalise(three_line_receipt(), search_from_fd=last)
        stored = datetime.fromtimestamp(control.document(result.fd_number)["timestamp"])
        assert control.counter(0xFF0A) == 0
    assert result.fiscal_datetime == stored.replace(second=0, microsecond=0)


def test_the_ff_byte_after_ack_over_tcp_does_not_disturb_a_receipt():
    with running_emulator(print_time=0.01, ff_after_ack=True) as (url, control):
        with KktSession.connect(url, timeout_scale=SCALE) as kkt:
            kkt.open_shift()
            result = kkt.fiscalise(three_line_receipt())
        assert receipts_with_mark(control, "POS1-0001") == [result.fd_number]


def test_shift_start_search_beyond_its_depth_is_not_repeated(
    emulator, session, monkeypatch
):
    _url, control = emulator
    session.open_shift()
    for index in range(SHIFT_SEARCH_DEPTH + 1):
        session.fiscalise(three_line_receipt(mark=f"DEPTH-{index}"))
    # As in an Odoo worker started after the shift was opened.
    monkeypatch.setattr(session_module, "_shift_starts", {})
    reads_before = control.counter(cmd.FIND_DOCUMENT)

    first = session.status()
    reads_first = control.counter(cmd.FIND_DOCUMENT) - reads_before
    second = session.status()
    reads_second = control.counter(cmd.FIND_DOCUMENT) - reads_before - reads_first

    assert first.shift_opened_at is None and second.shift_opened_at is None
    assert reads_first == SHIFT_SEARCH_DEPTH
    assert reads_second == 0
