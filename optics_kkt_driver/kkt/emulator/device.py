# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The KKT state machine: modes, submodes, printing, paper and the command set.

:meth:`Device.execute` takes a command payload and returns the answer payload;
the link layer around it never looks inside.
"""

import collections
import json
import logging
import os
import threading
import time
from dataclasses import dataclass

from ..errors import KktError
from ..tlv import parse_tlvs
from .clock import DAY
from .fields import (
    ParamError,
    Request,
    fn_datetime,
    kkt_date,
    kkt_time,
    moment_of,
    uint,
)
from .fn import CAPACITY, FnError
from .receipts import (
    COMPUTE,
    KIND_OF_OPERATION,
    QUANTITY_SCALE,
    VAT_2026,
    VAT_OF_CODE,
    Item,
    OpenReceipt,
    line_amount,
)

_logger = logging.getLogger(__name__)

MODE_SHIFT_OPEN = 2
MODE_SHIFT_EXPIRED = 3
MODE_SHIFT_CLOSED = 4
MODE_DOCUMENT = 8
MODE_NAMES = {
    MODE_SHIFT_OPEN: "shift open",
    MODE_SHIFT_EXPIRED: "shift over 24 h",
    MODE_SHIFT_CLOSED: "shift closed",
    MODE_DOCUMENT: "receipt open",
}
SUBMODE_IDLE = 0
SUBMODE_PAPER_OUT = 1
SUBMODE_PAPER_OUT_PRINTING = 2
SUBMODE_AWAIT_CONTINUE = 3
SUBMODE_PRINTING = 5

ADMIN_PASSWORD = 29
SYSADMIN_PASSWORD = 30
ACCESS = {
    "any": range(1, 31),
    "admin": (ADMIN_PASSWORD, SYSADMIN_PASSWORD),
    "sys": (SYSADMIN_PASSWORD,),
}

E_FN_STATE = 0x02
E_NO_DATA = 0x08
E_PARAMS = 0x33
E_UNKNOWN = 0x37
E_INTERNAL = 0x39
E_SHIFT_IS_OPEN = 0x3C
E_SHIFT_NOT_OPEN = 0x3D
E_PAYMENTS_SHORT = 0x45
E_RECEIPT_OPEN = 0x4A
E_SHIFT_EXPIRED = 0x4E
E_PASSWORD = 0x4F
E_PRINTING = 0x50
E_RECEIPT_CLOSED = 0x55
E_AWAIT_CONTINUE = 0x58
E_WRONG_OPERATION = 0x5E
E_NO_PAPER = 0x6B
E_ZERO_TOTAL = 0x8E

ROUNDING_AND_TAX_SUMS = 1 + 6 * 5
TLV_LIMIT = 250
CHUNK = 250
MODEL_NAME = "ШТРИХ-М-01Ф (emulator)"
FN_VERSION = "emulator FN 1.2"
PAYMENT_TAGS = (1031, 1081, 1215, 1216, 1217)
TAX_SYSTEM_BITS = (0x01, 0x02, 0x04, 0x08, 0x10, 0x20)
VAT_MODE_TABLE = (17, 1, 71)
FLAG_RECEIPT_ROLL = 0x0002
FLAG_RECEIPT_SENSOR = 0x0080
FLAG_LEVER = 0x0200
PROTOCOL2_SUPPORTED = 1 << 28
BATTERY_VOLTAGE = 0x9E
POWER_VOLTAGE = 0x8C
YEAR_2026 = 1767225600


class CommandError(Exception):
    """The device refuses the command with error ``code``."""

    def __init__(self, code):
        super().__init__(f"error {code:02X}h")
        self.code = code


@dataclass
class Spec:
    """How the device checks a command before running its handler.

    ``query`` commands read state only: they run while printing and while the
    device waits for paper. ``prints`` commands need paper in the printer.
    """

    handler: str
    access: str = "sys"
    query: bool = False
    prints: bool = False


COMMANDS = {
    0x10: Spec("short_status", "any", query=True),
    0x11: Spec("full_status", "any", query=True),
    0x1E: Spec("write_table"),
    0x1F: Spec("read_table", query=True),
    0x40: Spec("x_report", "admin", prints=True),
    0x41: Spec("z_report", "admin", prints=True),
    0x88: Spec("cancel_receipt", "any"),
    0x89: Spec("subtotal", "any", query=True),
    0x8C: Spec("reprint", "any", prints=True),
    0x8D: Spec("open_receipt", "any", prints=True),
    0xB0: Spec("continue_printing", "any", prints=True),
    0xE0: Spec("open_shift", "any", prints=True),
    0xF7: Spec("extended_request", "none", query=True),
    0xFC: Spec("device_type", "none", query=True),
    0xFF01: Spec("fn_status", query=True),
    0xFF02: Spec("fn_serial", query=True),
    0xFF03: Spec("fn_expiry", query=True),
    0xFF04: Spec("fn_version", query=True),
    0xFF08: Spec("fn_cancel_document"),
    0xFF0A: Spec("find_document", query=True),
    0xFF0B: Spec("fn_open_shift"),
    0xFF0C: Spec("receipt_tlv"),
    0xFF37: Spec("begin_settlement_report"),
    0xFF38: Spec("settlement_report"),
    0xFF39: Spec("ofd_status", query=True),
    0xFF3A: Spec("request_document_tlv", query=True),
    0xFF3B: Spec("read_document_tlv", query=True),
    0xFF3C: Spec("ofd_ticket", query=True),
    0xFF3F: Spec("unsent_count", query=True),
    0xFF40: Spec("shift_parameters", query=True),
    0xFF41: Spec("begin_open_shift"),
    0xFF42: Spec("begin_close_shift"),
    0xFF43: Spec("fn_close_shift"),
    0xFF45: Spec("close_receipt", "any"),
    0xFF46: Spec("operation", "any"),
    0xFF4D: Spec("item_tlv"),
    0xFF63: Spec("fn_resource", query=True),
}


def split_code(payload):
    """Return ``(code, size)`` of the command code at the head of ``payload``.

    >>> split_code(bytes.fromhex("ff 45 1e")), split_code(b"\\x10")
    ((65349, 2), (16, 1))
    """
    if payload[0] == 0xFF and len(payload) >= 2:
        return 0xFF00 | payload[1], 2
    return payload[0], 1


class Device:
    """An emulated Shtrih-M KKT with its FN.

    :meth:`execute`, :meth:`set_paper` and :meth:`snapshot` take the device
    lock, so the link threads and the control channel see one consistent
    device. The command handlers below them run under that lock.
    """

    def __init__(self, fn, clock, faults, print_time=0.05, state_path=None):
        self.fn = fn
        self.clock = clock
        self.faults = faults
        self.print_time = print_time
        self.print_times = {}
        self.answer_delays = {}
        self.state_path = state_path
        self.lock = threading.RLock()
        self.counters = collections.Counter()
        self.receipt = None
        self.pending_tlvs = []
        self.beginning = None
        self.paper = True
        self.print_pending = False
        self.printing_until = 0.0
        self.vat_mode = 1
        self.tlv_chunks = []

    def load_state(self, data):
        """Restore the device part of a saved state (the FN is restored apart)."""
        receipt = data.get("receipt")
        self.receipt = OpenReceipt.from_dict(receipt) if receipt else None
        self.pending_tlvs = data.get("pending_tlvs", [])
        self.beginning = data.get("beginning")
        self.paper = data.get("paper", True)
        self.print_pending = data.get("print_pending", False)
        self.vat_mode = data.get("vat_mode", 1)
        self.clock.offset = data.get("clock_offset", 0.0)

    def state_dict(self):
        return {
            "fn": self.fn.to_dict(),
            "device": {
                "receipt": self.receipt.to_dict() if self.receipt else None,
                "pending_tlvs": self.pending_tlvs,
                "beginning": self.beginning,
                "paper": self.paper,
                "print_pending": self.print_pending,
                "vat_mode": self.vat_mode,
                "clock_offset": self.clock.offset,
            },
        }

    def save(self):
        """Write the state file atomically, when the emulator has one."""
        if not self.state_path:
            return
        with self.lock:
            text = json.dumps(self.state_dict(), indent=1)
        temporary = f"{self.state_path}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.state_path)

    def mode(self):
        if self.receipt:
            return MODE_DOCUMENT | (self.receipt.kind << 4)
        if self.fn.shift_open:
            return MODE_SHIFT_EXPIRED if self.shift_expired() else MODE_SHIFT_OPEN
        return MODE_SHIFT_CLOSED

    def submode(self):
        if self.print_pending:
            return SUBMODE_AWAIT_CONTINUE if self.paper else SUBMODE_PAPER_OUT_PRINTING
        if time.monotonic() < self.printing_until:
            return SUBMODE_PRINTING
        if not self.paper:
            return SUBMODE_PAPER_OUT
        return SUBMODE_IDLE

    def shift_expired(self):
        return self.fn.shift_open and self.clock.now() - self.fn.shift_opened_at >= DAY

    def set_paper(self, present):
        """Take the paper out (a print in progress stops) or load it again."""
        with self.lock:
            if not present and time.monotonic() < self.printing_until:
                self.printing_until = 0.0
                self.print_pending = True
            self.paper = present
        self.save()

    def execute(self, payload):
        """Run one command payload and return its answer payload."""
        with self.lock:
            answer, spec = self._execute(payload)
        if spec and not spec.query:
            self.save()
        return answer

    def _execute(self, payload):
        code, size = split_code(payload)
        head = payload[:size]
        spec = COMMANDS.get(code)
        if spec is None:
            return head + bytes([E_UNKNOWN]), None
        if self.faults.take_busy():
            return head + bytes([E_PRINTING]), None
        self.counters[code] += 1
        self.fn.drain()
        request = Request(payload, size)
        try:
            operator = self._check_access(spec, request)
            self._check_submode(spec)
            data = getattr(self, spec.handler)(request, operator) or b""
        except ParamError:
            return head + bytes([E_PARAMS]), spec
        except (CommandError, FnError) as error:
            return head + bytes([error.code]), spec
        except Exception:
            _logger.exception("Command %s failed inside the emulator", payload.hex(" "))
            return head + bytes([E_INTERNAL]), spec
        return head + b"\x00" + data, spec

    def _check_access(self, spec, request):
        if spec.access == "none":
            return SYSADMIN_PASSWORD
        password = request.uint(4)
        if password not in ACCESS[spec.access]:
            raise CommandError(E_PASSWORD)
        return password

    def _check_submode(self, spec):
        if spec.query:
            return
        submode = self.submode()
        if submode == SUBMODE_PRINTING:
            raise CommandError(E_PRINTING)
        if submode == SUBMODE_AWAIT_CONTINUE and spec.handler != "continue_printing":
            raise CommandError(E_AWAIT_CONTINUE)
        if spec.prints and submode in (SUBMODE_PAPER_OUT, SUBMODE_PAPER_OUT_PRINTING):
            raise CommandError(E_NO_PAPER)

    def _print(self, code):
        if self.paper:
            seconds = self.print_times.get(code, self.print_time)
            self.printing_until = time.monotonic() + seconds
        else:
            self.print_pending = True

    def _now(self):
        return self.clock.now()

    def _require_mode(self, *, shift_open=False, shift_closed=False):
        mode = self.mode()
        if mode & 0x0F == MODE_DOCUMENT:
            raise CommandError(E_RECEIPT_OPEN)
        if shift_closed and mode != MODE_SHIFT_CLOSED:
            raise CommandError(E_SHIFT_IS_OPEN)
        if shift_open and mode == MODE_SHIFT_CLOSED:
            raise CommandError(E_SHIFT_NOT_OPEN)

    def _require_sales(self):
        mode = self.mode()
        if mode == MODE_SHIFT_CLOSED:
            raise CommandError(E_SHIFT_NOT_OPEN)
        if self.shift_expired():
            raise CommandError(E_SHIFT_EXPIRED)
        self.fn.check_can_store(now=self._now())

    def _take_pending_tlvs(self):
        tlvs = [bytes.fromhex(data) for data in self.pending_tlvs]
        self.pending_tlvs = []
        return tlvs

    def short_status(self, request, operator):
        operations = len(self.receipt.items) if self.receipt else 0
        flags = FLAG_LEVER
        if self.paper:
            flags |= FLAG_RECEIPT_ROLL | FLAG_RECEIPT_SENSOR
        return (
            bytes([operator])
            + uint(flags, 2)
            + bytes([self.mode(), self.submode(), operations & 0xFF])
            + bytes([BATTERY_VOLTAGE, POWER_VOLTAGE])
            + bytes([0, 0, (operations >> 8) & 0xFF, 0, 0, 0])
        )

    def full_status(self, request, operator):
        moment = moment_of(self._now())
        flags = FLAG_LEVER
        if self.paper:
            flags |= FLAG_RECEIPT_ROLL | FLAG_RECEIPT_SENSOR
        serial = int(self.fn.serial[-10:])
        last_closed = self.fn.shift_number - (1 if self.fn.shift_open else 0)
        return b"".join(
            [
                bytes([operator]),
                b"C1",
                uint(100, 2),
                bytes([1, 1, 26, 1]),
                uint(self.fn.last_number & 0xFFFF, 2),
                uint(flags, 2),
                bytes([self.mode(), self.submode(), 0]),
                b"C1",
                uint(100, 2),
                bytes([1, 1, 26]),
                kkt_date(moment),
                kkt_time(moment),
                bytes([0]),
                uint(serial & 0xFFFFFFFF, 4),
                uint(last_closed, 2),
                uint(min(CAPACITY - len(self.fn.documents), 0xFFFF), 2),
                bytes([0, 24]),
                b"\x77\x77\x77\x77\x77\x07",
                uint(serial >> 32, 2),
            ]
        )

    def write_table(self, request, operator):
        table, row, field = request.uint(1), request.uint(2), request.uint(1)
        if (table, row, field) != VAT_MODE_TABLE:
            raise CommandError(E_PARAMS)
        value = request.uint(1)
        if value not in (1, 2):
            raise CommandError(E_PARAMS)
        self.vat_mode = value

    def read_table(self, request, operator):
        table, row, field = request.uint(1), request.uint(2), request.uint(1)
        if (table, row, field) != VAT_MODE_TABLE:
            raise CommandError(E_PARAMS)
        return bytes([self.vat_mode])

    def x_report(self, request, operator):
        self._require_mode()
        self._print(0x40)
        return bytes([operator])

    def z_report(self, request, operator):
        self._require_mode(shift_open=True)
        self.fn.close_shift(self._now(), self._take_pending_tlvs())
        self._print(0x41)
        return bytes([operator])

    def cancel_receipt(self, request, operator):
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        self.receipt = None
        return bytes([operator])

    def subtotal(self, request, operator):
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        return uint(self.receipt.total, 5)

    def reprint(self, request, operator):
        self._require_mode()
        if not self.fn.documents:
            raise CommandError(E_NO_DATA)
        self._print(0x8C)
        return bytes([operator])

    def open_receipt(self, request, operator):
        kind = request.uint(1)
        if kind not in KIND_OF_OPERATION.values():
            raise CommandError(E_PARAMS)
        self._require_mode()
        self._require_sales()
        self.receipt = OpenReceipt(kind, operator)
        return bytes([operator])

    def continue_printing(self, request, operator):
        if self.print_pending:
            self.print_pending = False
            self._print(0xB0)
        return bytes([operator])

    def open_shift(self, request, operator):
        self._require_mode(shift_closed=True)
        self.fn.open_shift(self._now(), self._take_pending_tlvs())
        self._print(0xE0)
        return bytes([operator])

    def extended_request(self, request, operator):
        if request.uint(1) != 1:
            raise CommandError(E_PARAMS)
        return uint(PROTOCOL2_SUPPORTED, 8)

    def device_type(self, request, operator):
        return bytes([0, 0, 1, 17, 0, 0]) + MODEL_NAME.encode("cp1251")

    def fn_status(self, request, operator):
        if self.receipt:
            document = 0x04
        else:
            document = {"open": 0x02, "close": 0x08, "settlement": 0x17}.get(
                self.beginning, 0x00
            )
        has_data = bool(self.receipt and self.receipt.items)
        return b"".join(
            [
                bytes([0x03, document, int(has_data), int(self.fn.shift_open)]),
                bytes([self.fn.warnings(self._now())]),
                fn_datetime(moment_of(self.fn.last_timestamp or self._now())),
                self.fn.serial.encode("ascii"),
                uint(self.fn.last_number, 4),
            ]
        )

    def fn_serial(self, request, operator):
        return self.fn.serial.encode("ascii")

    def fn_expiry(self, request, operator):
        year, month, day = (int(part) for part in self.fn.expiry.split("-"))
        return bytes([year % 100, month, day])

    def fn_version(self, request, operator):
        return FN_VERSION.encode("ascii").ljust(16, b" ") + b"\x01"

    def fn_cancel_document(self, request, operator):
        if not (self.receipt or self.beginning):
            raise CommandError(E_FN_STATE)
        self.receipt = None
        self.beginning = None

    def find_document(self, request, operator):
        document = self._document(request.uint(4))
        data = (
            fn_datetime(moment_of(document.timestamp))
            + uint(document.number, 4)
            + uint(document.sign, 4)
        )
        if document.receipt:
            data += bytes([document.operation]) + uint(document.total, 5)
        elif document.shift:
            data += uint(document.shift, 2)
        return bytes([document.doc_type, int(document.sent)]) + data

    def _document(self, number):
        document = self.fn.find(number)
        if document is None:
            raise CommandError(E_NO_DATA)
        return document

    def fn_open_shift(self, request, operator):
        if self.beginning != "open":
            raise CommandError(E_FN_STATE)
        self.beginning = None
        document = self.fn.open_shift(self._now(), self._take_pending_tlvs())
        return (
            uint(document.shift, 2) + uint(document.number, 4) + uint(document.sign, 4)
        )

    def receipt_tlv(self, request, operator):
        data = self._tlv_data(request)
        if self.receipt:
            self.receipt.tlvs.append(data.hex())
        else:
            self.pending_tlvs.append(data.hex())

    def _tlv_data(self, request):
        data = request.rest()
        if not data or len(data) > TLV_LIMIT:
            raise CommandError(E_PARAMS)
        try:
            parse_tlvs(data)
        except KktError as error:
            raise CommandError(E_PARAMS) from error
        return data

    def begin_settlement_report(self, request, operator):
        self._require_mode()
        self.beginning = "settlement"

    def settlement_report(self, request, operator):
        if self.beginning != "settlement":
            raise CommandError(E_FN_STATE)
        self.beginning = None
        unsent = self.fn.unsent()
        document = self.fn.settlement_report(self._now())
        first = moment_of(unsent[0].timestamp) if unsent else None
        first_date = fn_datetime(first)[:3] if first else b"\x00\x00\x00"
        return (
            uint(document.number, 4)
            + uint(document.sign, 4)
            + uint(len(unsent), 4)
            + first_date
        )

    def ofd_status(self, request, operator):
        unsent = self.fn.unsent()
        status = (0x01 if self.fn.ofd_rate > 0 else 0) | (0x02 if unsent else 0)
        if unsent:
            first = uint(unsent[0].number, 4) + fn_datetime(
                moment_of(unsent[0].timestamp)
            )
        else:
            first = bytes(9)
        return bytes([status, 0]) + uint(len(unsent), 2) + first

    def request_document_tlv(self, request, operator):
        document = self._document(request.uint(4))
        body = bytes.fromhex(document.body)
        self.tlv_chunks = []
        for tag, value in parse_tlvs(body):
            encoded = uint(tag, 2) + uint(len(value), 2) + value
            self.tlv_chunks += [
                encoded[start : start + CHUNK]
                for start in range(0, len(encoded), CHUNK)
            ]
        return uint(document.doc_type, 2) + uint(len(body), 2)

    def read_document_tlv(self, request, operator):
        if not self.tlv_chunks:
            raise CommandError(E_NO_DATA)
        return self.tlv_chunks.pop(0)

    def ofd_ticket(self, request, operator):
        document = self._document(request.uint(4))
        if not document.sent:
            raise CommandError(E_NO_DATA)
        moment = moment_of(document.timestamp)
        signature = self.fn.fiscal_sign(b"ofd" + uint(document.number, 4))
        return fn_datetime(moment) + uint(signature, 4) + uint(document.number, 4)

    def unsent_count(self, request, operator):
        return uint(len(self.fn.unsent()), 2)

    def shift_parameters(self, request, operator):
        return (
            bytes([int(self.fn.shift_open)])
            + uint(self.fn.shift_number, 2)
            + uint(self.fn.receipt_number, 2)
        )

    def begin_open_shift(self, request, operator):
        self._require_mode(shift_closed=True)
        self.fn.check_can_store()
        self.beginning = "open"

    def begin_close_shift(self, request, operator):
        self._require_mode(shift_open=True)
        self.beginning = "close"

    def fn_close_shift(self, request, operator):
        if self.beginning != "close":
            raise CommandError(E_FN_STATE)
        self.beginning = None
        document = self.fn.close_shift(self._now(), self._take_pending_tlvs())
        return (
            uint(document.shift, 2) + uint(document.number, 4) + uint(document.sign, 4)
        )

    def close_receipt(self, request, operator):
        payments = [request.uint(5) for _index in range(16)]
        request.take(ROUNDING_AND_TAX_SUMS)
        tax_system = request.uint(1)
        receipt = self.receipt
        if not receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        if self.shift_expired():
            raise CommandError(E_SHIFT_EXPIRED)
        if tax_system not in TAX_SYSTEM_BITS:
            raise CommandError(E_PARAMS)
        total = receipt.total
        if total == 0:
            raise CommandError(E_ZERO_TOTAL)
        cash, electronic = payments[0], sum(payments[1:13])
        prepaid, credit, provision = payments[13:16]
        non_cash = electronic + prepaid + credit + provision
        if non_cash > total:
            raise CommandError(E_PARAMS)
        if cash + non_cash < total:
            raise CommandError(E_PAYMENTS_SHORT)
        change = cash + non_cash - total
        amounts = (cash - change, electronic, prepaid, credit, provision)
        tlvs = receipt.document_tlvs(
            tax_system, dict(zip(PAYMENT_TAGS, amounts, strict=True))
        )
        document = self.fn.store_receipt(self._now(), tlvs, receipt.operation, total)
        self.receipt = None
        self._print(0xFF45)
        _logger.info("Receipt closed: FD %s, total %s", document.number, total)
        return uint(change, 5) + uint(document.number, 4) + uint(document.sign, 4)

    def operation(self, request, operator):
        item = self._parse_item(request)
        if self.receipt:
            if self.receipt.operation != item.operation:
                raise CommandError(E_WRONG_OPERATION)
            if self.shift_expired():
                raise CommandError(E_SHIFT_EXPIRED)
        else:
            self._require_sales()
            self.receipt = OpenReceipt(KIND_OF_OPERATION[item.operation], operator)
        self.receipt.items.append(item)

    def _parse_item(self, request):
        operation = request.uint(1)
        quantity, price = request.uint(6), request.uint(5)
        amount, _tax_amount = request.uint(5), request.uint(5)
        tax, department = request.uint(1), request.uint(1)
        method, subject = request.uint(1), request.uint(1)
        name = request.rest().split(b"\x00", 1)[0]
        if (
            operation not in KIND_OF_OPERATION
            or quantity == 0
            or tax not in VAT_OF_CODE
            or not (department <= 16 or department == 255)
            or not 1 <= method <= 7
            or not 1 <= subject <= 33
            or len(name) > 128
        ):
            raise CommandError(E_PARAMS)
        if amount == COMPUTE:
            amount = line_amount(price, quantity)
        elif abs(amount * QUANTITY_SCALE - price * quantity) > QUANTITY_SCALE:
            raise CommandError(E_PARAMS)
        text = name.decode("cp1251", "replace").removeprefix("//")
        return Item(
            operation,
            quantity,
            price,
            amount,
            self._vat_of(tax),
            department,
            method,
            subject,
            text,
        )

    def _vat_of(self, code):
        vat = VAT_OF_CODE[code]
        if self.vat_mode == 1 and self._now() >= YEAR_2026:
            return VAT_2026.get(vat, vat)
        return vat

    def item_tlv(self, request, operator):
        data = self._tlv_data(request)
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        if not self.receipt.items:
            raise CommandError(E_WRONG_OPERATION)
        self.receipt.items[-1].tlvs.append(data.hex())

    def fn_resource(self, request, operator):
        left = CAPACITY - len(self.fn.documents)
        return uint(left, 4) + uint(max(0, 512 - len(self.fn.unsent())), 4) + b"\x00"

    def snapshot(self):
        """Everything a test may want to assert, as plain JSON data."""
        with self.lock:
            self.fn.drain()
            now = self._now()
            mode, submode = self.mode(), self.submode()
            receipt = self.receipt
            return {
                "mode": mode,
                "mode_name": MODE_NAMES[mode & 0x0F],
                "submode": submode,
                "paper": self.paper,
                "clock": {"now": now, "offset": self.clock.offset},
                "shift": {
                    "open": self.fn.shift_open,
                    "number": self.fn.shift_number,
                    "receipt_number": self.fn.receipt_number,
                    "opened_at": self.fn.shift_opened_at,
                    "expired": bool(self.shift_expired()),
                },
                "receipt": {
                    "kind": receipt.kind,
                    "items": len(receipt.items),
                    "total": receipt.total,
                }
                if receipt
                else None,
                "fd": self.fn.last_number,
                "unsent": len(self.fn.unsent()),
                "ofd_rate": self.fn.ofd_rate,
                "ofd_blocked": self.fn.ofd_blocked(now),
                "fn_exhausted": self.fn.exhausted,
                "warnings": self.fn.warnings(now),
                "vat_mode": self.vat_mode,
                "documents": [doc.summary() for doc in self.fn.documents],
                "counters": {f"{code:X}": n for code, n in self.counters.items()},
                "faults": self.faults.snapshot(),
            }
