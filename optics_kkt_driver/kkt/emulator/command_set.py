# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The command set of the emulated KKT: one handler per command code.

Each handler takes the parsed :class:`~.fields.Request` and the operator number,
returns the answer bytes after the error byte, or raises :class:`CommandError`.
"""

import logging
from dataclasses import dataclass

from ..errors import KktError
from ..tlv import FN_ENCODING, parse_tlvs
from .codes import (
    E_FN_STATE,
    E_NO_DATA,
    E_PARAMS,
    E_PAYMENTS_SHORT,
    E_RECEIPT_CLOSED,
    E_RECEIPT_OPEN,
    E_SHIFT_EXPIRED,
    E_SHIFT_IS_OPEN,
    E_SHIFT_NOT_OPEN,
    E_WRONG_OPERATION,
    E_ZERO_TOTAL,
    MODE_DOCUMENT,
    MODE_SHIFT_CLOSED,
    CommandError,
)
from .fields import (
    fn_datetime,
    kkt_date,
    kkt_time,
    moment_of,
    uint,
)
from .fn import CAPACITY
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

TAX_SUMS = 6 * 5
MAX_ROUNDING = 99
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


class CommandSet:
    """Command handlers, mixed into :class:`~.device.Device`.

    They use the device's FN, clock, printer and receipt state and run under
    its lock; ``COMMANDS`` names the handler of each code.
    """

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
        """10h: operator, flags(2), mode, submode, operations, voltages, reserved."""
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
        """11h: firmware, flags, mode, submode, date, time, serial (48-byte body)."""
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
        """1Eh: write a table field; only T17F71 (VAT 20 % as 22 %) exists."""
        table, row, field = request.uint(1), request.uint(2), request.uint(1)
        if (table, row, field) != VAT_MODE_TABLE:
            raise CommandError(E_PARAMS)
        value = request.uint(1)
        if value not in (1, 2):
            raise CommandError(E_PARAMS)
        self.vat_mode = value

    def read_table(self, request, operator):
        """1Fh: read a table field; only T17F71 exists."""
        table, row, field = request.uint(1), request.uint(2), request.uint(1)
        if (table, row, field) != VAT_MODE_TABLE:
            raise CommandError(E_PARAMS)
        return bytes([self.vat_mode])

    def x_report(self, request, operator):
        """40h: print the X report; no fiscal document."""
        self._require_mode()
        self._print(0x40)
        return bytes([operator])

    def z_report(self, request, operator):
        """41h: close the shift in the FN and print the Z report."""
        self._require_mode(shift_open=True)
        self.fn.close_shift(self._now(), self._take_pending_tlvs())
        self._print(0x41)
        return bytes([operator])

    def cancel_receipt(self, request, operator):
        """88h: drop the open receipt; nothing reaches the FN."""
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        self.receipt = None
        return bytes([operator])

    def subtotal(self, request, operator):
        """89h: the open receipt's total (5 bytes)."""
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        return uint(self.receipt.total, 5)

    def reprint(self, request, operator):
        """8Ch: print the last document again."""
        self._require_mode()
        if not self.fn.documents:
            raise CommandError(E_NO_DATA)
        self._print(0x8C)
        return bytes([operator])

    def open_receipt(self, request, operator):
        """8Dh: open a receipt of type 0 sale, 1 purchase, 2/3 their returns."""
        kind = request.uint(1)
        if kind not in KIND_OF_OPERATION.values():
            raise CommandError(E_PARAMS)
        self._require_mode()
        self._require_sales()
        self.receipt = OpenReceipt(kind, operator)
        return bytes([operator])

    def continue_printing(self, request, operator):
        """B0h: finish the print that paper out interrupted."""
        if self.print_pending:
            self.print_pending = False
            self._print(0xB0)
        return bytes([operator])

    def open_shift(self, request, operator):
        """E0h: open the shift in the FN and print its report."""
        self._require_mode(shift_closed=True)
        self.fn.open_shift(self._now(), self._take_pending_tlvs())
        self._print(0xE0)
        return bytes([operator])

    def extended_request(self, request, operator):
        """F7h type 1: model parameters; bit 28 says protocol 2 works."""
        if request.uint(1) != 1:
            raise CommandError(E_PARAMS)
        return uint(PROTOCOL2_SUPPORTED, 8)

    def device_type(self, request, operator):
        """FCh: type, subtype, protocol version, model, language, name."""
        return bytes([0, 0, 1, 17, 0, 0]) + MODEL_NAME.encode("cp1251")

    def fn_status(self, request, operator):
        """FF01: phase, open document, data flag, shift, warnings, time, serial, FD."""
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
        """FF02: the 16 ASCII digits of the FN serial."""
        return self.fn.serial.encode("ascii")

    def fn_expiry(self, request, operator):
        """FF03: FN expiry date YY MM DD."""
        year, month, day = (int(part) for part in self.fn.expiry.split("-"))
        return bytes([year % 100, month, day])

    def fn_version(self, request, operator):
        """FF04: FN firmware version (16 ASCII) and type."""
        return FN_VERSION.encode("ascii").ljust(16, b" ") + b"\x01"

    def fn_cancel_document(self, request, operator):
        """FF08: drop the document being built (receipt or report)."""
        if not (self.receipt or self.beginning):
            raise CommandError(E_FN_STATE)
        self.receipt = None
        self.beginning = None

    def find_document(self, request, operator):
        """FF0A: type, OFD flag, DATE_TIME, FD, sign, then operation and total."""
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
        """FF0B (after FF41): shift number(2), FD(4), fiscal sign(4)."""
        if self.beginning != "open":
            raise CommandError(E_FN_STATE)
        self.beginning = None
        document = self.fn.open_shift(self._now(), self._take_pending_tlvs())
        return (
            uint(document.shift, 2) + uint(document.number, 4) + uint(document.sign, 4)
        )

    def receipt_tlv(self, request, operator):
        """FF0C: tags for the open receipt, or for the next shift report."""
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
        """FF37: start the settlement-state report."""
        self._require_mode()
        self.beginning = "settlement"

    def settlement_report(self, request, operator):
        """FF38: FD(4), sign(4), unconfirmed count(4), first date(3)."""
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
        """FF39: status bits, reading flag, count(2), first FD(4), DATE_TIME."""
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
        """FF3A: document type tag(2) and length(2); FF3B reads it."""
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
        """FF3B: the next top-level TLV (or 250-byte piece); 08h at end."""
        if not self.tlv_chunks:
            raise CommandError(E_NO_DATA)
        return self.tlv_chunks.pop(0)

    def ofd_ticket(self, request, operator):
        """FF3C: the OFD acknowledgement of a sent document."""
        document = self._document(request.uint(4))
        if not document.sent:
            raise CommandError(E_NO_DATA)
        moment = moment_of(document.timestamp)
        signature = self.fn.fiscal_sign(b"ofd" + uint(document.number, 4))
        return fn_datetime(moment) + uint(signature, 4) + uint(document.number, 4)

    def unsent_count(self, request, operator):
        """FF3F: documents without an OFD acknowledgement (2 bytes)."""
        return uint(len(self.fn.unsent()), 2)

    def shift_parameters(self, request, operator):
        """FF40: shift open(1), shift number(2), last receipt number(2)."""
        return (
            bytes([int(self.fn.shift_open)])
            + uint(self.fn.shift_number, 2)
            + uint(self.fn.receipt_number, 2)
        )

    def begin_open_shift(self, request, operator):
        """FF41: start opening the shift; FF0B finishes it."""
        self._require_mode(shift_closed=True)
        self.fn.check_can_store()
        self.beginning = "open"

    def begin_close_shift(self, request, operator):
        """FF42: start closing the shift; FF43 finishes it."""
        self._require_mode(shift_open=True)
        self.beginning = "close"

    def fn_close_shift(self, request, operator):
        """FF43 (after FF42): shift number(2), FD(4), fiscal sign(4)."""
        if self.beginning != "close":
            raise CommandError(E_FN_STATE)
        self.beginning = None
        document = self.fn.close_shift(self._now(), self._take_pending_tlvs())
        return (
            uint(document.shift, 2) + uint(document.number, 4) + uint(document.sign, 4)
        )

    def close_receipt(self, request, operator):
        """FF45: store the receipt; change(5), FD(4), fiscal sign(4) [DATE_TIME].

        The rounding (kopecks under a rouble) is deducted from the total due; the
        tax sums sent are ignored. A credit sum (#15, tag 1216) that disagrees
        with the items' payment method (tag 1214) is refused with 33h, see
        :meth:`~.receipts.OpenReceipt.credit_fits_items`. DATE_TIME ends the
        answer with the setting "extended answers" (``--extended-answers``).
        """
        payments = [request.uint(5) for _index in range(16)]
        rounding = request.uint(1)
        request.take(TAX_SUMS)
        tax_system = request.uint(1)
        receipt = self.receipt
        if not receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        if self.shift_expired():
            raise CommandError(E_SHIFT_EXPIRED)
        if tax_system not in TAX_SYSTEM_BITS:
            raise CommandError(E_PARAMS)
        if receipt.total == 0:
            raise CommandError(E_ZERO_TOTAL)
        if rounding > min(MAX_ROUNDING, receipt.total - 1):
            raise CommandError(E_PARAMS)
        total = receipt.total - rounding
        cash, electronic = payments[0], sum(payments[1:13])
        prepaid, credit, provision = payments[13:16]
        non_cash = electronic + prepaid + credit + provision
        if non_cash > total:
            raise CommandError(E_PARAMS)
        if cash + non_cash < total:
            raise CommandError(E_PAYMENTS_SHORT)
        if not receipt.credit_fits_items(credit):
            raise CommandError(E_PARAMS)
        change = cash + non_cash - total
        amounts = (cash - change, electronic, prepaid, credit, provision)
        tlvs = receipt.document_tlvs(
            tax_system, total, dict(zip(PAYMENT_TAGS, amounts, strict=True))
        )
        document = self.fn.store_receipt(self._now(), tlvs, receipt.operation, total)
        self.receipt = None
        self._print(0xFF45)
        _logger.info("Receipt closed: FD %s, total %s", document.number, total)
        answer = uint(change, 5) + uint(document.number, 4) + uint(document.sign, 4)
        if self.extended_answers:
            answer += fn_datetime(moment_of(document.timestamp))
        return answer

    def operation(self, request, operator):
        """FF46: add an item, opening a receipt of its operation if none is open."""
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
        # The name arrives in CP1251 and the FN keeps tag 1030 in CP866: what
        # has no CP866 form (quotes, dashes, euro) is stored as "?".
        text = name.decode("cp1251", "replace").removeprefix("//")
        text = text.encode(FN_ENCODING, "replace").decode(FN_ENCODING)
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
        """FF4D: tags for the last item of the open receipt."""
        data = self._tlv_data(request)
        if not self.receipt:
            raise CommandError(E_RECEIPT_CLOSED)
        if not self.receipt.items:
            raise CommandError(E_WRONG_OPERATION)
        self.receipt.items[-1].tlvs.append(data.hex())

    def fn_resource(self, request, operator):
        """FF63: documents left(4), OFD area in KB(4), marking area(1)."""
        left = CAPACITY - len(self.fn.documents)
        return uint(left, 4) + uint(max(0, 512 - len(self.fn.unsent())), 4) + b"\x00"
