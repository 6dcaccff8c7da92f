# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal storage (FN) model: documents, counters, fiscal signs, OFD queue.

The FN knows nothing of frames or printing; the device asks it to store documents
and it answers with their numbers and signs. Its whole state is a JSON dict.
"""

import hashlib
import hmac
import struct
import time
from dataclasses import asdict, dataclass, field

from ..tlv import parse_tlvs, tlv, tlv_string, tlv_uint
from .clock import DAY

OPEN_SHIFT = 2
RECEIPT = 3
CLOSE_SHIFT = 5
SETTLEMENT_REPORT = 21
DOCUMENT_NAMES = {
    OPEN_SHIFT: "open shift",
    RECEIPT: "receipt",
    CLOSE_SHIFT: "close shift",
    SETTLEMENT_REPORT: "settlement report",
}

CAPACITY = 250_000
OFD_TIMEOUT = 2 * DAY
OFD_BLOCK = 30 * DAY
CLOCK_TOLERANCE = 300.0
WARNING_OFD_TIMEOUT = 0x08
TAG_SIGN = 1077
TAG_MARK = 1192


class FnError(Exception):
    """The FN refuses the operation; ``code`` is the KKT error byte to answer."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass
class Document:
    """One fiscal document as the FN keeps it: header fields plus its TLV body."""

    number: int
    doc_type: int
    timestamp: float
    sign: int
    body: str
    shift: int = 0
    receipt: int = 0
    operation: int = 0
    total: int = 0
    mark: str = ""
    sent: bool = False

    @property
    def tlvs(self):
        return parse_tlvs(bytes.fromhex(self.body))

    def summary(self):
        """The document as the control channel lists it."""
        data = asdict(self)
        del data["body"]
        data["type"] = DOCUMENT_NAMES.get(self.doc_type, str(self.doc_type))
        return data

    def detail(self):
        """The summary plus every top-level tag as ``[tag, hex value]``."""
        data = self.summary()
        data["tlvs"] = [[tag, value.hex()] for tag, value in self.tlvs]
        return data


def _derive_key(serial):
    return hashlib.sha256(b"kkt-emulator-fn-key:" + serial.encode("ascii")).digest()


@dataclass
class FiscalStorage:
    """FN state: shift, documents and the OFD queue, kept as plain data.

    >>> fn = FiscalStorage("9999078900012345")
    >>> doc = fn.store(OPEN_SHIFT, 1.7e9, [], shift=1)
    >>> doc.number, doc.sign == fn.recompute_sign(doc)
    (1, True)
    """

    serial: str
    expiry: str = "2028-03-31"
    documents: list = field(default_factory=list)
    shift_open: bool = False
    shift_number: int = 0
    shift_opened_at: float = 0.0
    receipt_number: int = 0
    exhausted: bool = False
    forced_block: bool = False
    forced_warnings: int = 0
    ofd_rate: float = 1.0
    _drain_credit: float = 0.0
    _drained_at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_dict(cls, data):
        documents = [Document(**doc) for doc in data.pop("documents", [])]
        return cls(documents=documents, **data)

    def to_dict(self):
        data = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if not name.startswith("_")
        }
        data["documents"] = [asdict(doc) for doc in self.documents]
        return data

    @property
    def last_number(self):
        return self.documents[-1].number if self.documents else 0

    @property
    def last_timestamp(self):
        return self.documents[-1].timestamp if self.documents else 0.0

    def fiscal_sign(self, body):
        """A keyed hash of the document body, 4 bytes as an integer."""
        digest = hmac.new(_derive_key(self.serial), body, hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big")

    def recompute_sign(self, document):
        """The fiscal sign of a stored document, computed again from its body."""
        body = b"".join(
            tlv(tag, value) for tag, value in document.tlvs if tag != TAG_SIGN
        )
        return self.fiscal_sign(body)

    def check_can_store(self, now=None):
        """Raise :class:`FnError` when the FN would refuse a new document.

        With ``now`` the document is a receipt, refused also by the 30-day block.
        """
        if self.exhausted or len(self.documents) >= CAPACITY:
            raise FnError(0x12, "FN resource exhausted")
        if now is not None and self.ofd_blocked(now):
            raise FnError(0x14, "Documents not sent to the OFD for 30 days")

    def check_clock(self, timestamp):
        """Refuse a document dated more than 5 minutes before the last one."""
        if timestamp < self.last_timestamp - CLOCK_TOLERANCE:
            raise FnError(0x17, "KKT clock is behind the last fiscal document")

    def store(self, doc_type, timestamp, tlvs, **header):
        """Number, sign and keep a document built from ``tlvs`` (encoded TLVs)."""
        self.check_can_store()
        self.check_clock(timestamp)
        number = self.last_number + 1
        body = b"".join(
            [
                tlv_uint(1012, int(timestamp), 4),
                tlv_uint(1040, number, 4),
                tlv_string(1041, self.serial),
                *tlvs,
            ]
        )
        sign = self.fiscal_sign(body)
        body += tlv(TAG_SIGN, b"\x00\x00" + struct.pack(">I", sign))
        document = Document(number, doc_type, timestamp, sign, body.hex(), **header)
        document.mark = _mark_of(body)
        self.documents.append(document)
        return document

    def find(self, number):
        """The document numbered ``number``, or None."""
        for document in self.documents:
            if document.number == number:
                return document
        return None

    def open_shift(self, timestamp, tlvs):
        """Store the shift opening report and open the next shift."""
        number = self.shift_number + 1
        document = self.store(
            OPEN_SHIFT, timestamp, [tlv_uint(1038, number, 4), *tlvs], shift=number
        )
        self.shift_number = number
        self.receipt_number = 0
        self.shift_open = True
        self.shift_opened_at = timestamp
        return document

    def close_shift(self, timestamp, tlvs):
        """Store the shift closing report and close the shift."""
        document = self.store(
            CLOSE_SHIFT,
            timestamp,
            [
                tlv_uint(1038, self.shift_number, 4),
                tlv_uint(1118, self.receipt_number, 4),
                *tlvs,
            ],
            shift=self.shift_number,
        )
        self.shift_open = False
        return document

    def store_receipt(self, timestamp, tlvs, operation, total):
        """Store a receipt as the next one of the shift; refused when blocked."""
        self.check_can_store(now=timestamp)
        number = self.receipt_number + 1
        document = self.store(
            RECEIPT,
            timestamp,
            [
                tlv_uint(1038, self.shift_number, 4),
                tlv_uint(1042, number, 4),
                *tlvs,
            ],
            shift=self.shift_number,
            receipt=number,
            operation=operation,
            total=total,
        )
        self.receipt_number = number
        return document

    def settlement_report(self, timestamp):
        """Store a settlement-state report counting the unsent documents."""
        unsent = self.unsent()
        return self.store(
            SETTLEMENT_REPORT,
            timestamp,
            [tlv_uint(1097, len(unsent), 4)],
        )

    def drain(self, now=None):
        """Mark documents as acknowledged by the OFD at ``ofd_rate`` per second."""
        now = time.monotonic() if now is None else now
        elapsed, self._drained_at = now - self._drained_at, now
        unsent = self.unsent()
        if not unsent or self.ofd_rate <= 0:
            self._drain_credit = 0.0
            return
        self._drain_credit += elapsed * self.ofd_rate
        count = min(int(self._drain_credit), len(unsent))
        for document in unsent[:count]:
            document.sent = True
        self._drain_credit -= count

    def unsent(self):
        """Documents the OFD has not acknowledged yet, oldest first."""
        return [doc for doc in self.documents if not doc.sent]

    def ofd_blocked(self, now):
        """Whether receipts are refused: forced, or 30 days without the OFD."""
        unsent = self.unsent()
        return self.forced_block or bool(
            unsent and now - unsent[0].timestamp > OFD_BLOCK
        )

    def warnings(self, now):
        """FF01 warning flags: forced ones plus the OFD timeout after 2 days."""
        flags = self.forced_warnings
        unsent = self.unsent()
        if unsent and now - unsent[0].timestamp > OFD_TIMEOUT:
            flags |= WARNING_OFD_TIMEOUT
        return flags


def _mark_of(body):
    for tag, value in parse_tlvs(body):
        if tag == TAG_MARK:
            return value.decode("cp866", "replace")
    return ""
