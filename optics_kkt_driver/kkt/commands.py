# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shtrih-M commands a shop needs: request encoders, answer decoders, timeouts.

A request is the code (1 byte, or 2 after 0xFF), a 4-byte password, parameters;
an answer repeats the code, then an error byte, then the fields decoded here.
"""

import struct
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .errors import DeviceError, FrameError

SHORT_STATUS = 0x10
FULL_STATUS = 0x11
X_REPORT = 0x40
Z_REPORT = 0x41
CANCEL_RECEIPT = 0x88
OPEN_RECEIPT = 0x8D
CONTINUE_PRINT = 0xB0
OPEN_SHIFT = 0xE0
DEVICE_TYPE = 0xFC
FN_STATUS = 0xFF01
FN_SERIAL = 0xFF02
FN_EXPIRY = 0xFF03
FIND_DOCUMENT = 0xFF0A
RECEIPT_TLV = 0xFF0C
OFD_STATUS = 0xFF39
DOCUMENT_TLV_BEGIN = 0xFF3A
DOCUMENT_TLV_READ = 0xFF3B
OFD_UNSENT = 0xFF3F
SHIFT_PARAMS = 0xFF40
CLOSE_RECEIPT_V2 = 0xFF45
OPERATION_V2 = 0xFF46
ITEM_TLV = 0xFF4D
FN_RESOURCE = 0xFF63

# Seconds the device may take to answer, as long as the slowest real device needs.
TIMEOUTS = {
    SHORT_STATUS: 3,
    FULL_STATUS: 3,
    DEVICE_TYPE: 3,
    X_REPORT: 30,
    Z_REPORT: 65,
    OPEN_SHIFT: 120,
    CLOSE_RECEIPT_V2: 40,
    0xFF61: 40,
    0xFF67: 40,
}
DEFAULT_TIMEOUT = 30

# FF01 phase bits and FF0A document types.
PHASE_CONFIGURED = 0x01
PHASE_FISCAL = 0x02
PHASE_CLOSED = 0x04
DOC_REGISTRATION = 1
DOC_OPEN_SHIFT = 2
DOC_RECEIPT = 3
DOC_CLOSE_SHIFT = 5

# Receipt types of command 8Dh.
RECEIPT_SALE = 0
RECEIPT_SALE_RETURN = 2

UNKNOWN_SUM = b"\xff" * 5
PAYMENT_SLOTS = 16
# Indexes of the FF45 payment sums: #1 cash, #2 electronic, #15 credit.
PAYMENT_CASH = 0
PAYMENT_ELECTRONIC = 1
PAYMENT_CREDIT = 14
TAX_SLOTS = 6
MAX_TLV_BLOCK = 250
MAX_CLOSE_TEXT = 64
DEFAULT_DEPARTMENT = 1
TEXT_ENCODING = "cp1251"


def timeout_for(code, scale=1.0):
    """Seconds to wait for the answer to ``code``, times ``scale``.

    >>> timeout_for(Z_REPORT), timeout_for(SHORT_STATUS, 0.5), timeout_for(0xFF02)
    (65.0, 1.5, 30.0)
    """
    return TIMEOUTS.get(code, DEFAULT_TIMEOUT) * scale


def code_bytes(code):
    """The bytes of a command code: ``FF xx`` for two-byte codes."""
    return code.to_bytes(2 if code > 0xFF else 1, "big")


def request(code, password=None, params=b""):
    """Build a request payload.

    >>> request(SHORT_STATUS, 30).hex(" ")
    '10 1e 00 00 00'
    >>> request(FN_STATUS, 30).hex(" ")
    'ff 01 1e 00 00 00'
    """
    head = code_bytes(code)
    if password is not None:
        head += password.to_bytes(4, "little")
    return head + params


def answer_body(code, payload, device_name="KKT"):
    """Check the echoed code and the error byte of an answer; return the rest.

    >>> answer_body(0x25, bytes.fromhex("25 50"), "KKT 1")
    Traceback (most recent call last):
    ...
    kkt.errors.DeviceError: KKT 1: the device is still printing the previous \
document (error 50h on command 25h). The call is retried.
    """
    head = code_bytes(code)
    if payload[: len(head)] != head or len(payload) <= len(head):
        raise FrameError(
            f"{device_name}: answer {payload[:3].hex(' ')} does not belong to "
            f"command {code:02X}h",
            f"{device_name}: ответ {payload[:3].hex(' ')} не относится к команде "
            f"{code:02X}h",
        )
    error = payload[len(head)]
    if error:
        raise DeviceError(error, code, device_name)
    return payload[len(head) + 1 :]


def _need(body, size, what):
    if len(body) < size:
        raise FrameError(
            f"Answer to {what} has {len(body)} bytes, expected at least {size}",
            f"Ответ на {what}: {len(body)} байт, ожидалось не меньше {size}",
        )


def decode_fn_datetime(data):
    """Decode DATE_TIME (YY MM DD HH MM); None when it is empty or invalid.

    >>> decode_fn_datetime(bytes.fromhex("15 07 1d 0b 1d"))
    datetime.datetime(2021, 7, 29, 11, 29)
    >>> decode_fn_datetime(bytes(5)) is None
    True
    """
    try:
        return datetime(2000 + data[0], data[1], data[2], data[3], data[4])
    except ValueError:
        return None


def decode_kkt_datetime(data):
    """Decode the KKT date and time (DD MM YY, HH MM SS); None when invalid.

    >>> decode_kkt_datetime(bytes([4, 12, 26, 10, 30, 5]))
    datetime.datetime(2026, 12, 4, 10, 30, 5)
    """
    try:
        return datetime(2000 + data[2], data[1], data[0], data[3], data[4], data[5])
    except ValueError:
        return None


def _uint(data):
    return int.from_bytes(data, "little")


def _text(data):
    return data.split(b"\x00", 1)[0].decode(TEXT_ENCODING, "replace").strip()


@dataclass
class ShortStatus:
    """Answer to 10h: the mode byte (low nibble mode, high nibble its status)."""

    operator: int
    flags: int
    mode: int
    mode_status: int
    submode: int

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> ShortStatus.decode(bytes.fromhex("1e 82 00 08 00 00 00 00 00 00 00"))
        ShortStatus(operator=30, flags=130, mode=8, mode_status=0, submode=0)
        """
        _need(body, 5, "10h")
        operator, flags, mode, submode = struct.unpack_from("<BHBB", body)
        return cls(operator, flags, mode & 0x0F, mode >> 4, submode)


@dataclass
class FullStatus:
    """Answer to 11h, the fields the driver uses.

    Layout after the error byte: operator(1), firmware version(2), build(2),
    firmware date(3), hall number(1), document number(2), flags(2), mode(1),
    submode(1), port(1), FM firmware version(2), FM build(2), FM firmware
    date(3), date(3: DD MM YY), time(3: HH MM SS), FM flags(1), serial number
    low(4), last closed shift(2), free FM records(2), re-registrations(1),
    re-registrations left(1), INN(6), serial number high(2, on 48-byte answers).
    """

    operator: int
    firmware: str
    flags: int
    mode: int
    mode_status: int
    submode: int
    serial_number: str
    last_closed_shift: int
    device_datetime: datetime

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> body = bytes.fromhex(
        ...     "1e 43 31 64 00 01 01 1a 01 05 00 82 02 02 00 00 43 31 64 00 01 01"
        ...     " 1a 04 0c 1a 0a 1e 05 00 39 30 00 00 07 00 00 00 00 18"
        ...     " 77 77 77 77 77 07 01 00")
        >>> status = FullStatus.decode(body)
        >>> status.mode, status.serial_number, status.last_closed_shift
        (2, '4294979641', 7)
        >>> status.device_datetime
        datetime.datetime(2026, 12, 4, 10, 30, 5)
        """
        _need(body, 36, "11h")
        serial = _uint(body[30:34])
        if len(body) >= 48:
            serial += _uint(body[46:48]) << 32
        return cls(
            operator=body[0],
            firmware=body[1:3].decode("ascii", "replace"),
            flags=_uint(body[11:13]),
            mode=body[13] & 0x0F,
            mode_status=body[13] >> 4,
            submode=body[14],
            serial_number=str(serial),
            last_closed_shift=_uint(body[34:36]),
            device_datetime=decode_kkt_datetime(body[23:29]),
        )


@dataclass
class DeviceType:
    """Answer to FCh: type, subtype, protocol version, model and its name."""

    device_type: int
    subtype: int
    protocol_version: int
    protocol_subversion: int
    model: int
    language: int
    name: str

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> name = "ШТРИХ-М-01Ф".encode("cp1251")
        >>> DeviceType.decode(bytes([0, 0, 1, 14, 19, 0]) + name)
        DeviceType(device_type=0, subtype=0, protocol_version=1, \
protocol_subversion=14, model=19, language=0, name='ШТРИХ-М-01Ф')
        """
        _need(body, 6, "FCh")
        return cls(*body[:6], _text(body[6:]))


@dataclass
class FnStatus:
    """Answer to FF01: FN phase, open document, shift flag, warnings, last FD."""

    phase: int
    document: int
    document_data: int
    shift_open: bool
    warnings: int
    last_document_at: datetime
    serial: str
    last_fd_number: int

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte (30 bytes)."""
        _need(body, 30, "FF01h")
        return cls(
            phase=body[0],
            document=body[1],
            document_data=body[2],
            shift_open=bool(body[3]),
            warnings=body[4],
            last_document_at=decode_fn_datetime(body[5:10]),
            serial=body[10:26].decode("ascii", "replace").strip("\x00 "),
            last_fd_number=_uint(body[26:30]),
        )


def decode_fn_serial(body):
    """Answer to FF02: the 16 ASCII digits of the FN serial number."""
    _need(body, 16, "FF02h")
    return body[:16].decode("ascii", "replace").strip("\x00 ")


def decode_fn_expiry(body):
    """Answer to FF03: the FN expiry date (YY MM DD); None when invalid.

    >>> decode_fn_expiry(bytes.fromhex("1b 07 1d 01 00"))
    datetime.date(2027, 7, 29)
    """
    _need(body, 3, "FF03h")
    try:
        return date(2000 + body[0], body[1], body[2])
    except ValueError:
        return None


@dataclass
class ShiftParams:
    """Answer to FF40: shift open flag, shift number, receipt number in the shift.

    The receipt number is that of the last receipt closed in the shift (0 right
    after the shift opened).
    """

    shift_open: bool
    shift_number: int
    receipt_number: int

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> ShiftParams.decode(bytes.fromhex("01 07 00 03 00"))
        ShiftParams(shift_open=True, shift_number=7, receipt_number=3)
        """
        _need(body, 5, "FF40h")
        state, shift, receipt = struct.unpack_from("<BHH", body)
        return cls(bool(state), shift, receipt)


@dataclass
class OfdStatus:
    """Answer to FF39: OFD exchange state and the first document not yet sent."""

    flags: int
    reading: bool
    unsent_count: int
    first_unsent_fd: int
    first_unsent_at: datetime

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> OfdStatus.decode(bytes.fromhex("02 00 03 00 0a 00 00 00 1a 0c 04 0a 1e"))
        OfdStatus(flags=2, reading=False, unsent_count=3, first_unsent_fd=10, \
first_unsent_at=datetime.datetime(2026, 12, 4, 10, 30))
        """
        _need(body, 13, "FF39h")
        flags, reading, count, first = struct.unpack_from("<BBHI", body)
        moment = decode_fn_datetime(body[8:13]) if count else None
        return cls(flags, bool(reading), count, first if count else 0, moment)


def decode_ofd_unsent(body):
    """Answer to FF3F: the number of documents without an OFD receipt."""
    _need(body, 2, "FF3Fh")
    return _uint(body[:2])


@dataclass
class FnResource:
    """Answer to FF63: documents left for 5 years, 30-day area in KB, marking %."""

    documents_left: int
    ofd_area_kb: int
    marking_area_percent: int

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte; the marking byte is optional."""
        _need(body, 8, "FF63h")
        documents, area = struct.unpack_from("<II", body)
        return cls(documents, area, body[8] if len(body) > 8 else 0)


@dataclass
class CloseReceiptAnswer:
    """Answer to FF45: change, FD number, fiscal sign, and DATE_TIME if present."""

    change: int
    fd_number: int
    fiscal_sign: int
    fiscal_datetime: datetime

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> CloseReceiptAnswer.decode(
        ...     bytes.fromhex("00 00 00 00 00 2a 00 00 00 78 56 34 12 1a 0c 04 0a 1e")
        ... )
        CloseReceiptAnswer(change=0, fd_number=42, fiscal_sign=305419896, \
fiscal_datetime=datetime.datetime(2026, 12, 4, 10, 30))
        """
        _need(body, 13, "FF45h")
        moment = decode_fn_datetime(body[13:18]) if len(body) >= 18 else None
        return cls(_uint(body[:5]), _uint(body[5:9]), _uint(body[9:13]), moment)


@dataclass
class FoundDocument:
    """Answer to FF0A: a fiscal document's type and its summary.

    Data after type(1) and OFD-receipt flag(1) starts with DATE_TIME(5), FD
    number(4), fiscal sign(4) for every document type; a receipt (type 3) then
    has operation type(1, tag 1054) and total(5); shift reports (types 2 and 5)
    have the shift number(2).
    """

    doc_type: int
    ofd_acknowledged: bool
    fiscal_datetime: datetime
    fd_number: int
    fiscal_sign: int
    operation: int = 0
    total: int = 0
    shift_number: int = 0

    @classmethod
    def decode(cls, body):
        """Decode the fields after the error byte.

        >>> FoundDocument.decode(bytes.fromhex(
        ...     "03 00 1a 0c 04 0a 1e 2a 00 00 00 78 56 34 12 01 10 27 00 00 00"))
        FoundDocument(doc_type=3, ofd_acknowledged=False, \
fiscal_datetime=datetime.datetime(2026, 12, 4, 10, 30), fd_number=42, \
fiscal_sign=305419896, operation=1, total=10000, shift_number=0)
        """
        _need(body, 15, "FF0Ah")
        found = cls(
            doc_type=body[0],
            ofd_acknowledged=bool(body[1]),
            fiscal_datetime=decode_fn_datetime(body[2:7]),
            fd_number=_uint(body[7:11]),
            fiscal_sign=_uint(body[11:15]),
        )
        if found.doc_type == DOC_RECEIPT and len(body) >= 21:
            found.operation = body[15]
            found.total = _uint(body[16:21])
        elif found.doc_type in (DOC_OPEN_SHIFT, DOC_CLOSE_SHIFT) and len(body) >= 17:
            found.shift_number = _uint(body[15:17])
        return found


def decode_document_tlv_begin(body):
    """Answer to FF3A: ``(document type tag, length of its TLV data)``.

    The data then comes in pieces from FF3B until ``length`` bytes were read.

    >>> decode_document_tlv_begin(bytes.fromhex("03 00 2c 01"))
    (3, 300)
    """
    _need(body, 4, "FF3Ah")
    return struct.unpack_from("<HH", body)


def find_document(password, fd_number):
    """FF0A request: find the fiscal document ``fd_number`` in the FN."""
    return request(FIND_DOCUMENT, password, fd_number.to_bytes(4, "little"))


def document_tlv_begin(password, fd_number):
    """FF3A request: start reading document ``fd_number`` as TLV."""
    return request(DOCUMENT_TLV_BEGIN, password, fd_number.to_bytes(4, "little"))


def open_receipt(password, receipt_type):
    """8Dh request: open a receipt (0 sale, 2 sale return).

    >>> open_receipt(1, RECEIPT_SALE_RETURN).hex(" ")
    '8d 01 00 00 00 02'
    """
    return request(OPEN_RECEIPT, password, bytes([receipt_type]))


def tlv_block(code, password, data):
    """FF0C (receipt level) or FF4D (last item) request carrying encoded TLVs."""
    if len(data) > MAX_TLV_BLOCK:
        raise FrameError(
            f"TLV block of {len(data)} bytes exceeds {MAX_TLV_BLOCK}",
            f"Блок TLV размером {len(data)} байт больше {MAX_TLV_BLOCK}",
        )
    return request(code, password, data)


def operation_v2(
    password,
    operation,
    quantity,
    price,
    amount,
    tax_code,
    payment_method,
    payment_subject,
    name,
    department=DEFAULT_DEPARTMENT,
):
    """FF46 request: one item of a receipt (FFD 1.05/1.2).

    Layout: password(4), operation(1: 1 sale, 2 sale return), quantity(6, in
    millionths), price(5), line sum(5), tax sum(5, FF..FF = device computes),
    tax code(1), department(1), payment method(1, tag 1214), payment subject(1,
    tag 1212), name(CP1251, up to 128 bytes).

    >>> operation_v2(30, 1, Decimal("1.5"), 1000, 1500, 0xCB, 4, 1, "Lens").hex(" ")
    'ff 46 1e 00 00 00 01 60 e3 16 00 00 00 e8 03 00 00 00 dc 05 00 00 00 \
ff ff ff ff ff cb 01 04 01 4c 65 6e 73'
    """
    millionths = int(Decimal(quantity) * 1_000_000)
    params = (
        bytes([operation])
        + millionths.to_bytes(6, "little")
        + price.to_bytes(5, "little")
        + amount.to_bytes(5, "little")
        + UNKNOWN_SUM
        + bytes([tax_code, department, payment_method, payment_subject])
        + name.encode(TEXT_ENCODING)
    )
    return request(OPERATION_V2, password, params)


def close_receipt_v2(
    password, cash, electronic, tax_system, rounding=0, text="", credit=0
):
    """FF45 request: close the receipt with its payments and tax system.

    Layout: password(4), 16 payment sums(5 each: #1 cash, #2 electronic, #15
    postpayment or credit (tag 1216), the rest zero here), rounding to the
    rouble in kopecks(1), 6 tax sums(5 each, zero: the device computes them),
    tax system bit(1), text(up to 64 bytes).

    >>> payload = close_receipt_v2(30, 100, 200, 0x01)
    >>> len(payload), payload[6:16].hex(" "), payload[-1]
    (118, '64 00 00 00 00 c8 00 00 00 00', 1)
    >>> close_receipt_v2(30, 0, 0, 0x01, credit=300)[76:81].hex(" ")
    '2c 01 00 00 00'
    """
    sums = [0] * PAYMENT_SLOTS
    sums[PAYMENT_CASH], sums[PAYMENT_ELECTRONIC] = cash, electronic
    sums[PAYMENT_CREDIT] = credit
    params = b"".join(value.to_bytes(5, "little") for value in sums)
    params += bytes([rounding]) + bytes(5 * TAX_SLOTS) + bytes([tax_system])
    params += text.encode(TEXT_ENCODING)[:MAX_CLOSE_TEXT]
    return request(CLOSE_RECEIPT_V2, password, params)
