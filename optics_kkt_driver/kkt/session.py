# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The device session the Odoo side calls: status, shifts, reports, receipts.

Fiscalise and refund look for the receipt's mark in the FN first, so repeating
them after any failure never prints a second fiscal document.
"""

import dataclasses
import logging
import time
from datetime import datetime, timedelta

from . import commands as cmd
from .errors import DeviceError, KktError, LinkError, NeedsPersonError
from .link import DEFAULT_RETRIES, make_link
from .receipt import REFUND, SALE, TAX_CODES, TAX_SYSTEMS
from .results import DeviceStatus, FiscalResult, ShiftReport, fiscal_qr
from .text import printable
from .tlv import FN_ENCODING, parse_tlvs, tlv_string, tlv_uint
from .transport import DEFAULT_BAUDRATE, DEFAULT_BYTE_TIMEOUT, Transport

_logger = logging.getLogger(__name__)

MODE_OPEN = 2
MODE_EXPIRED = 3
MODE_CLOSED = 4
MODE_DOCUMENT = 8
SUBMODE_IDLE = 0
SUBMODES_PAPER_OUT = (1, 2)
SUBMODE_WAITS_CONTINUE = 3
SUBMODES_PRINTING = (4, 5)

MODE_TEXTS = {
    1: ("data dump", "выдача данных"),
    2: ("shift open", "смена открыта"),
    3: ("shift open for more than 24 hours", "смена открыта более 24 часов"),
    4: ("shift closed", "смена закрыта"),
    5: ("blocked by a wrong tax inspector password", "блокировка по паролю"),
    6: ("waiting for date confirmation", "ожидание подтверждения даты"),
    7: ("decimal point change", "изменение положения десятичной точки"),
    8: ("document open", "открыт документ"),
    9: ("technological reset allowed", "разрешён технологический сброс"),
    10: ("test run", "тестовый прогон"),
    11: ("printing a full fiscal report", "печать полного фискального отчёта"),
}

FN_WARNINGS = {
    0x01: "replace_urgent",
    0x02: "resource_low",
    0x04: "archive_90",
    0x08: "ofd_timeout",
}

TAG_CASHIER = 1021
TAG_CASHIER_INN = 1203
TAG_BUYER_CONTACT = 1008
TAG_MARK = 1192
TAG_MEASURE = 2108
TAG_SHIFT_NUMBER = 1038
TAG_RECEIPT_NUMBER = 1042

DEFAULT_SEARCH_DEPTH = 20
SHIFT_SEARCH_DEPTH = 50
MAX_SEARCH = 1000
OFD_BLOCK_DAYS = 30
POLL_INTERVAL = 0.05

# (fn serial, shift number) -> datetime the shift was opened; never changes.
_shift_starts = {}

MAX_PASSWORD = 2**32 - 1  # four bytes in every request


def check_password(device_name, what, password, what_ru):
    """Raise KktError unless ``password`` fits the four bytes of a request.

    >>> check_password("KKT 1", "operator password", -1, "пароль оператора")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kkt.errors.KktError: KKT 1: the operator password -1 must be a whole number ...
    """
    if isinstance(password, bool) or not isinstance(password, int):
        valid = False
    else:
        valid = 0 <= password <= MAX_PASSWORD
    if not valid:
        raise KktError(
            f"{device_name}: the {what} {password!r} must be a whole number from 0 "
            f"to {MAX_PASSWORD}; fix it in the device settings",
            f"{device_name}: {what_ru} {password!r} должен быть целым числом от 0 "
            f"до {MAX_PASSWORD}; исправьте его в настройках ККТ",
        )


def _person(device_name, what, todo, what_ru, todo_ru):
    return NeedsPersonError(
        f"{device_name}: {what}. {todo}.", f"{device_name}: {what_ru}. {todo_ru}."
    )


class KktSession:
    """One conversation with one device; use it as a context manager.

    >>> KktSession.connect("socket://127.0.0.1:1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kkt.errors.LinkError: KKT 1 (socket://127.0.0.1:1): cannot open the port: ...
    """

    def __init__(
        self,
        link,
        password=30,
        admin_password=30,
        device_name="KKT 1",
        timeout_scale=1.0,
        auto_open_shift=False,
    ):
        self.link = link
        self.password = password
        self.admin_password = admin_password
        self.device_name = device_name
        self.timeout_scale = timeout_scale
        self.auto_open_shift = auto_open_shift

    @classmethod
    def connect(
        cls,
        url,
        protocol=1,
        password=30,
        admin_password=30,
        device_name="KKT 1",
        timeout_scale=1.0,
        auto_open_shift=False,
        baudrate=DEFAULT_BAUDRATE,
        byte_timeout=DEFAULT_BYTE_TIMEOUT,
        retries=DEFAULT_RETRIES,
    ):
        """Open the port at ``url`` and return a session over it.

        :param protocol: 1 (ENQ/ACK framing) or 2 (numbered packets).
        :param password: operator password (cashiers 1-28, admin 29, sysadmin 30).
        :param admin_password: system administrator password for FN commands and
            reports.
        :param timeout_scale: multiplies every answer timeout and the wait for
            the first reply byte (never below two byte timeouts); below 1 only
            for tests and emulators, since a real device needs the full time.
        :param auto_open_shift: let fiscalise open a closed shift by itself.
        :raises KktError: when a password or the URL is not valid; nothing is
            opened.
        :raises LinkError: when the port cannot be opened.
        """
        check_password(device_name, "operator password", password, "пароль оператора")
        check_password(
            device_name,
            "administrator password",
            admin_password,
            "пароль администратора",
        )
        transport = Transport.open(
            url, baudrate=baudrate, byte_timeout=byte_timeout, device_name=device_name
        )
        link = make_link(transport, protocol, retries, timeout_scale)
        return cls(
            link,
            password=password,
            admin_password=admin_password,
            device_name=device_name,
            timeout_scale=timeout_scale,
            auto_open_shift=auto_open_shift,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the port."""
        self.link.transport.close()

    def call(self, code, payload):
        """Execute one command and return its answer body (after the error byte).

        "Still printing" (50h) is waited out, since the device did not execute
        the command; other device errors raise :class:`DeviceError`.
        """
        timeout = self._timeout(code)
        deadline = time.monotonic() + timeout
        while True:
            answer = self.link.execute(payload, timeout)
            try:
                return cmd.answer_body(code, answer, self.device_name)
            except DeviceError as error:
                if error.code != 0x50 or time.monotonic() > deadline:
                    raise
            time.sleep(POLL_INTERVAL)

    def _timeout(self, code):
        return cmd.timeout_for(code, self.timeout_scale)

    def _op(self, code, params=b""):
        return self.call(code, cmd.request(code, self.password, params))

    def _admin(self, code, params=b""):
        return self.call(code, cmd.request(code, self.admin_password, params))

    def short_status(self):
        """10h: mode, submode and flags."""
        return cmd.ShortStatus.decode(self._op(cmd.SHORT_STATUS))

    def fn_status(self):
        """FF01: FN phase, open document, warnings, serial and last FD number."""
        return cmd.FnStatus.decode(self._admin(cmd.FN_STATUS))

    def fn_serial(self):
        """FF02: the FN serial number."""
        return cmd.decode_fn_serial(self._admin(cmd.FN_SERIAL))

    def shift_params(self):
        """FF40: shift open flag, shift number, receipt number."""
        return cmd.ShiftParams.decode(self._admin(cmd.SHIFT_PARAMS))

    def ofd_status(self):
        """FF39: OFD queue length and its oldest document."""
        return cmd.OfdStatus.decode(self._admin(cmd.OFD_STATUS))

    def ofd_unsent_count(self):
        """FF3F: number of documents without an OFD receipt."""
        return cmd.decode_ofd_unsent(self._admin(cmd.OFD_UNSENT))

    def fn_resource(self):
        """FF63: documents and 30-day storage left in the FN."""
        return cmd.FnResource.decode(self._admin(cmd.FN_RESOURCE))

    def find_document(self, fd_number):
        """FF0A: summary of fiscal document ``fd_number``."""
        params = fd_number.to_bytes(4, "little")
        return cmd.FoundDocument.decode(self._admin(cmd.FIND_DOCUMENT, params))

    def read_document(self, fd_number):
        """FF3A then FF3B until done: the document's top-level ``(tag, value)``s.

        :raises DeviceError: 08h when the FN has no such document.
        """
        params = fd_number.to_bytes(4, "little")
        _doc_type, length = cmd.decode_document_tlv_begin(
            self._admin(cmd.DOCUMENT_TLV_BEGIN, params)
        )
        data = b""
        while len(data) < length:
            chunk = self._admin(cmd.DOCUMENT_TLV_READ)
            if not chunk:
                raise LinkError(
                    f"{self.device_name}: FD {fd_number} ended after {len(data)} "
                    f"of {length} bytes",
                    f"{self.device_name}: ФД {fd_number} оборвался на {len(data)} "
                    f"из {length} байт",
                )
            data += chunk
        return parse_tlvs(data[:length])

    def status(self):
        """Read the device, FN and OFD state; sends nothing that changes them."""
        full = cmd.FullStatus.decode(self._op(cmd.FULL_STATUS))
        model = cmd.DeviceType.decode(
            self.call(cmd.DEVICE_TYPE, cmd.request(cmd.DEVICE_TYPE))
        )
        fn = self.fn_status()
        expiry = cmd.decode_fn_expiry(self._admin(cmd.FN_EXPIRY))
        shift = self.shift_params()
        ofd = self.ofd_status()
        now = full.device_datetime or datetime.now()
        opened_at = None
        if fn.shift_open:
            opened_at = self._shift_opened_at(fn, shift.shift_number)
        mode_text, mode_text_ru = MODE_TEXTS.get(
            full.mode, (f"mode {full.mode}", f"режим {full.mode}")
        )
        status = DeviceStatus(
            mode=full.mode,
            submode=full.submode,
            mode_text=mode_text,
            mode_text_ru=mode_text_ru,
            shift_open=fn.shift_open,
            shift_expired=full.mode == MODE_EXPIRED,
            shift_number=shift.shift_number,
            shift_opened_at=opened_at,
            receipt_open=full.mode == MODE_DOCUMENT,
            paper_out=full.submode in (*SUBMODES_PAPER_OUT, SUBMODE_WAITS_CONTINUE),
            fn_serial=fn.serial,
            fn_expiry=expiry,
            fn_phase=fn.phase,
            fn_warnings=[
                name for bit, name in FN_WARNINGS.items() if fn.warnings & bit
            ],
            last_fd_number=fn.last_fd_number,
            ofd_unsent_count=ofd.unsent_count,
            ofd_first_unsent_fd=ofd.first_unsent_fd,
            ofd_oldest_unsent=ofd.first_unsent_at,
            model_name=model.name,
            serial_number=full.serial_number,
            device_datetime=now,
        )
        status.blocked_reason, status.blocked_reason_ru = self._blocked_reason(
            status, now
        )
        return status

    def _shift_opened_at(self, fn, shift_number):
        """Return when the shift opened, from its open-shift document among the
        last SHIFT_SEARCH_DEPTH ones, or None.

        Found or not, a finished search is kept per FN and shift: later
        documents cannot be the shift's opening, so it is not made again.
        """
        key = (fn.serial, shift_number)
        if key not in _shift_starts:
            opened_at = None
            last = fn.last_fd_number
            for fd_number in range(last, max(0, last - SHIFT_SEARCH_DEPTH), -1):
                doc = self._find_or_none(fd_number)
                if doc and doc.doc_type == cmd.DOC_OPEN_SHIFT:
                    if doc.shift_number == shift_number:
                        opened_at = doc.fiscal_datetime
                    break
            _shift_starts[key] = opened_at
        return _shift_starts[key]

    def _blocked_reason(self, status, now):
        name = self.device_name
        if not status.fn_phase & cmd.PHASE_FISCAL or (
            status.fn_phase & cmd.PHASE_CLOSED
        ):
            return (
                f"{name}: the FN is not in fiscal mode; register the device or "
                "replace the FN",
                f"{name}: ФН не в фискальном режиме; зарегистрируйте ККТ или "
                "замените ФН",
            )
        if status.shift_expired:
            return (
                f"{name}: the shift is open for more than 24 hours; close it with "
                "a Z report",
                f"{name}: смена открыта более 24 часов; закройте её Z-отчётом",
            )
        if status.paper_out:
            return (
                f"{name}: the receipt paper is out; load paper",
                f"{name}: нет чековой ленты; заправьте ленту",
            )
        oldest = status.ofd_oldest_unsent
        if oldest and now - oldest >= timedelta(days=OFD_BLOCK_DAYS):
            return (
                f"{name}: documents were not sent to the OFD for 30 days; restore "
                "the OFD connection",
                f"{name}: документы не передавались в ОФД 30 дней; восстановите "
                "связь с ОФД",
            )
        return None, None

    def open_shift(self, cashier_name=""):
        """Open a shift (E0h, prints the report) and return its fiscal document.

        :raises NeedsPersonError: when the shift is already open.
        """
        state = self._settle()
        if state.mode != MODE_CLOSED:
            raise self._mode_error(state, "open the shift")
        self._send_cashier(cashier_name)
        self._op(cmd.OPEN_SHIFT)
        self._wait_printed(self._timeout(cmd.OPEN_SHIFT))
        report = self._last_shift_report(cmd.DOC_OPEN_SHIFT)
        _logger.info(
            "%s: shift %s opened, FD %s",
            self.device_name,
            report.shift_number,
            report.fd_number,
        )
        return report

    def close_shift(self, cashier_name=""):
        """Close the shift with a Z report (41h) and return its fiscal document.

        A receipt left open is cancelled first; the call is refused when the
        shift is already closed.
        """
        state = self._settle()
        if state.mode == MODE_DOCUMENT:
            self._cancel_open_receipt()
            state = self._settle()
        if state.mode not in (MODE_OPEN, MODE_EXPIRED):
            raise self._mode_error(state, "close the shift")
        self._send_cashier(cashier_name)
        self._admin(cmd.Z_REPORT)
        self._wait_printed(self._timeout(cmd.Z_REPORT))
        report = self._last_shift_report(cmd.DOC_CLOSE_SHIFT)
        _logger.info(
            "%s: shift %s closed, FD %s",
            self.device_name,
            report.shift_number,
            report.fd_number,
        )
        return report

    def x_report(self):
        """Print the X report (40h): shift totals without closing the shift.

        Refused while a receipt is open; allowed with the shift open or closed.
        """
        state = self._settle()
        if state.mode not in (MODE_OPEN, MODE_EXPIRED, MODE_CLOSED):
            raise self._mode_error(state, "print the X report")
        self._admin(cmd.X_REPORT)
        self._wait_printed(self._timeout(cmd.X_REPORT))

    def fiscalise(self, receipt, search_from_fd=None):
        """Register ``receipt`` on the device and return its fiscal document.

        Idempotent: a receipt whose mark (tag 1192) is already in the FN among
        the documents after ``search_from_fd`` (the last 20 when None) is
        returned with ``recovered=True`` instead of being printed again. A
        receipt left open by an interrupted call is cancelled (88h) first; a
        paper copy interrupted by paper out is continued (B0h), never resent.

        :raises ReceiptError: when the receipt is invalid; nothing is sent.
        :raises NeedsPersonError: shift closed (unless ``auto_open_shift``),
            shift over 24 h, paper out before the receipt, FN blocked.
        :raises DeviceError: the device refused a step; ``retryable`` tells.
        :raises LinkError: the link failed; calling again is safe.
        """
        receipt.validate()
        state = self._wait_printed(
            cmd.DEFAULT_TIMEOUT * self.timeout_scale, stop_on_paper_out=True
        )
        if state.mode == MODE_DOCUMENT:
            self._cancel_open_receipt()
            state = self.short_status()

        fn = self.fn_status()
        found = self._search(
            receipt.mark, receipt.operation, fn, search_from_fd, receipt.due
        )
        if found:
            found.print_pending = state.submode != SUBMODE_IDLE
            _logger.info(
                "%s: receipt %s already in the FN as FD %s",
                self.device_name,
                receipt.mark,
                found.fd_number,
            )
            return found

        self._require_paper(state)
        if state.mode == MODE_CLOSED and self.auto_open_shift:
            self.open_shift(receipt.cashier_name)
            state = self._settle()
        if state.mode != MODE_OPEN:
            raise self._mode_error(state, f"print receipt {receipt.mark}")

        result = self._print_receipt(receipt, fn.serial)
        _logger.info(
            "%s: receipt %s fiscalised as FD %s",
            self.device_name,
            receipt.mark,
            result.fd_number,
        )
        return result

    def refund(self, receipt, search_from_fd=None):
        """Register ``receipt`` as a sale return (operation 2); see fiscalise."""
        if receipt.operation != REFUND:
            receipt = dataclasses.replace(receipt, operation=REFUND)
        return self.fiscalise(receipt, search_from_fd)

    def find_receipt(self, mark, search_from_fd=None, operation=None):
        """Return the receipt carrying ``mark`` in tag 1192, or None.

        Searches the documents after ``search_from_fd`` (the last 20 when None),
        newest first; ``operation`` (1 sale, 2 sale return) narrows the match.
        """
        return self._search(mark, operation, self.fn_status(), search_from_fd)

    def _search(self, mark, operation, fn, search_from_fd, total=None):
        """Look for the receipt with ``mark``, newest first.

        Only receipts of the same operation (and total, when given) are read in
        full, which keeps the search short on a busy FN.
        """
        last = fn.last_fd_number
        if search_from_fd is None:
            first = last - DEFAULT_SEARCH_DEPTH + 1
        else:
            first = max(search_from_fd + 1, last - MAX_SEARCH + 1)
        for fd_number in range(last, max(first, 1) - 1, -1):
            doc = self._find_or_none(fd_number)
            if doc is None or doc.doc_type != cmd.DOC_RECEIPT:
                continue
            if operation and doc.operation != operation:
                continue
            if total is not None and doc.total != total:
                continue
            tlvs = self.read_document(fd_number)
            if _tlv_text(tlvs, TAG_MARK) == mark:
                return self._recovered_result(doc, tlvs, fn.serial, mark)
        return None

    def _find_or_none(self, fd_number):
        try:
            return self.find_document(fd_number)
        except DeviceError as error:
            if error.code == 0x08:
                return None
            raise

    def _recovered_result(self, doc, tlvs, fn_serial, mark):
        shift_number = _tlv_uint(tlvs, TAG_SHIFT_NUMBER)
        receipt_number = _tlv_uint(tlvs, TAG_RECEIPT_NUMBER)
        return FiscalResult(
            fd_number=doc.fd_number,
            fiscal_sign=doc.fiscal_sign,
            fn_serial=fn_serial,
            shift_number=shift_number,
            receipt_number=receipt_number,
            fiscal_datetime=doc.fiscal_datetime,
            total=doc.total,
            operation=doc.operation,
            qr=fiscal_qr(
                doc.fiscal_datetime,
                doc.total,
                fn_serial,
                doc.fd_number,
                doc.fiscal_sign,
                doc.operation,
            ),
            request={"mark": mark},
            answer={
                "fd_number": doc.fd_number,
                "fiscal_sign": doc.fiscal_sign,
                "fiscal_datetime": _iso(doc.fiscal_datetime),
                "shift_number": shift_number,
                "receipt_number": receipt_number,
                "source": "FN search",
            },
            recovered=True,
        )

    def _print_receipt(self, receipt, fn_serial):
        receipt_type = (
            cmd.RECEIPT_SALE if receipt.operation == SALE else cmd.RECEIPT_SALE_RETURN
        )
        try:
            self._op(cmd.OPEN_RECEIPT, bytes([receipt_type]))
            for block in _receipt_tlvs(receipt):
                self._admin(cmd.RECEIPT_TLV, block)
            for line in receipt.lines:
                self._send_line(receipt.operation, line)
            answer = cmd.CloseReceiptAnswer.decode(
                self.call(
                    cmd.CLOSE_RECEIPT_V2,
                    cmd.close_receipt_v2(
                        self.password,
                        receipt.cash,
                        receipt.electronic,
                        TAX_SYSTEMS[receipt.tax_system],
                        rounding=receipt.rounding,
                        credit=receipt.credit,
                    ),
                )
            )
        except DeviceError:
            self._cancel_quietly()
            raise

        state = self._wait_printed(
            self._timeout(cmd.CLOSE_RECEIPT_V2), stop_on_paper_out=True
        )
        shift = self.shift_params()
        moment = answer.fiscal_datetime
        if moment is None:
            moment = self.find_document(answer.fd_number).fiscal_datetime
        return FiscalResult(
            fd_number=answer.fd_number,
            fiscal_sign=answer.fiscal_sign,
            fn_serial=fn_serial,
            shift_number=shift.shift_number,
            receipt_number=shift.receipt_number,
            fiscal_datetime=moment,
            total=receipt.due,
            operation=receipt.operation,
            qr=fiscal_qr(
                moment,
                receipt.due,
                fn_serial,
                answer.fd_number,
                answer.fiscal_sign,
                receipt.operation,
            ),
            request=_describe(receipt),
            answer={
                "fd_number": answer.fd_number,
                "fiscal_sign": answer.fiscal_sign,
                "fiscal_datetime": _iso(moment),
                "change": answer.change,
                "shift_number": shift.shift_number,
                "receipt_number": shift.receipt_number,
                "source": "FF45",
            },
            print_pending=state.submode != SUBMODE_IDLE,
        )

    def _send_line(self, operation, line):
        self.call(
            cmd.OPERATION_V2,
            cmd.operation_v2(
                self.password,
                operation,
                line.quantity,
                line.price,
                line.amount,
                TAX_CODES[line.tax],
                line.payment_method,
                line.payment_subject,
                line.name,
            ),
        )
        if line.measure:
            self._admin(cmd.ITEM_TLV, tlv_uint(TAG_MEASURE, line.measure, 1))

    def _send_cashier(self, cashier_name):
        name = _fn_text(cashier_name)[:64]
        if name:
            self._admin(cmd.RECEIPT_TLV, tlv_string(TAG_CASHIER, name))

    def _last_shift_report(self, doc_type):
        fn = self.fn_status()
        doc = self.find_document(fn.last_fd_number)
        if doc.doc_type != doc_type:
            raise LinkError(
                f"{self.device_name}: the last FD {doc.fd_number} is of type "
                f"{doc.doc_type}, not the expected shift report",
                f"{self.device_name}: последний ФД {doc.fd_number} не является "
                "отчётом о смене",
            )
        shift_number = doc.shift_number or self.shift_params().shift_number
        if doc_type == cmd.DOC_OPEN_SHIFT:
            _shift_starts[(fn.serial, shift_number)] = doc.fiscal_datetime
        return ShiftReport(
            shift_number, doc.fd_number, doc.fiscal_sign, doc.fiscal_datetime
        )

    def _settle(self):
        """Wait out printing and continue interrupted printing; return 10h.

        :raises NeedsPersonError: when the paper is out.
        """
        state = self._wait_printed(
            cmd.DEFAULT_TIMEOUT * self.timeout_scale, stop_on_paper_out=True
        )
        self._require_paper(state)
        return state

    def _require_paper(self, state):
        """Raise NeedsPersonError when the short status ``state`` says paper out."""
        if state.submode in SUBMODES_PAPER_OUT:
            raise _person(
                self.device_name,
                "the receipt paper is out",
                "Load paper, then retry",
                "нет чековой ленты",
                "Заправьте ленту и повторите",
            )

    def _wait_printed(self, timeout, stop_on_paper_out=False):
        """Poll 10h until printing ends, continuing (B0h) after paper was loaded.

        Returns the last short status. With ``stop_on_paper_out`` a paper-out
        submode ends the wait; otherwise it raises NeedsPersonError.
        """
        deadline = time.monotonic() + timeout
        while True:
            state = self.short_status()
            if state.submode == SUBMODE_WAITS_CONTINUE:
                _logger.info("%s: continuing an interrupted print", self.device_name)
                self._op(cmd.CONTINUE_PRINT)
            elif state.submode in SUBMODES_PAPER_OUT:
                if stop_on_paper_out:
                    return state
                raise _person(
                    self.device_name,
                    "the receipt paper ran out while printing",
                    "Load paper; the driver continues printing on the next call",
                    "закончилась чековая лента во время печати",
                    "Заправьте ленту; печать продолжится при следующем вызове",
                )
            elif state.submode not in SUBMODES_PRINTING:
                return state
            if time.monotonic() > deadline:
                raise LinkError(
                    f"{self.device_name}: still printing after {timeout:g} s",
                    f"{self.device_name}: печать не завершилась за {timeout:g} с",
                )
            time.sleep(POLL_INTERVAL)

    def _cancel_open_receipt(self):
        _logger.warning(
            "%s: cancelling a receipt left open by an interrupted call",
            self.device_name,
        )
        self._op(cmd.CANCEL_RECEIPT)

    def _cancel_quietly(self):
        try:
            self._op(cmd.CANCEL_RECEIPT)
        except KktError as error:
            _logger.warning(
                "%s: could not cancel the receipt: %s", self.device_name, error
            )

    def _mode_error(self, state, action):
        name = self.device_name
        if state.mode == MODE_CLOSED:
            return _person(
                name,
                f"cannot {action}: the shift is closed",
                "Open the shift",
                f"нельзя выполнить операцию ({action}): смена закрыта",
                "Откройте смену",
            )
        if state.mode == MODE_EXPIRED:
            return _person(
                name,
                f"cannot {action}: the shift is open for more than 24 hours",
                "Close it with a Z report and open a new one",
                f"нельзя выполнить операцию ({action}): смена открыта более 24 часов",
                "Закройте её Z-отчётом и откройте новую",
            )
        if state.mode == MODE_OPEN:
            return _person(
                name,
                f"cannot {action}: the shift is already open",
                "Close it first",
                f"нельзя выполнить операцию ({action}): смена уже открыта",
                "Сначала закройте её",
            )
        text, text_ru = MODE_TEXTS.get(
            state.mode, (f"mode {state.mode}", f"режим {state.mode}")
        )
        return _person(
            name,
            f"cannot {action} in mode {state.mode} ({text})",
            "Check the device",
            f"нельзя выполнить операцию ({action}) в режиме {state.mode} ({text_ru})",
            "Проверьте ККТ",
        )


def _receipt_tlvs(receipt):
    blocks = [tlv_string(TAG_MARK, receipt.mark)]
    if receipt.buyer_contact:
        blocks.append(tlv_string(TAG_BUYER_CONTACT, receipt.buyer_contact))
    if receipt.cashier_name:
        blocks.append(tlv_string(TAG_CASHIER, receipt.cashier_name))
    if receipt.cashier_inn:
        blocks.append(tlv_string(TAG_CASHIER_INN, receipt.cashier_inn.ljust(12)))
    return blocks


def _fn_text(text):
    """``text`` made plain, with what still does not fit CP866 shown as ``?``."""
    return printable(text).encode(FN_ENCODING, "replace").decode(FN_ENCODING)


def _describe(receipt):
    """The receipt as a JSON-able dict for the audit trail (no buyer contact)."""
    return {
        "mark": receipt.mark,
        "operation": receipt.operation,
        "tax_system": receipt.tax_system,
        "cash": receipt.cash,
        "electronic": receipt.electronic,
        "credit": receipt.credit,
        "total": receipt.total,
        "rounding": receipt.rounding,
        "buyer_contact_sent": bool(receipt.buyer_contact),
        "cashier_name": receipt.cashier_name,
        "lines": [
            {
                "name": line.name,
                "price": line.price,
                "quantity": str(line.quantity),
                "amount": line.amount,
                "tax": line.tax,
                "payment_method": line.payment_method,
                "payment_subject": line.payment_subject,
            }
            for line in receipt.lines
        ],
    }


def _tlv_text(tlvs, tag):
    for item_tag, value in tlvs:
        if item_tag == tag:
            return value.decode(FN_ENCODING, "replace").rstrip("\x00")
    return None


def _tlv_uint(tlvs, tag):
    for item_tag, value in tlvs:
        if item_tag == tag:
            return int.from_bytes(value, "little")
    return 0


def _iso(moment):
    return moment.isoformat() if moment else None
