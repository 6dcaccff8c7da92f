# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a device session returns: the device status, shift reports, fiscal results.

Plain dataclasses, importable from :mod:`kkt.session` as well.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class DeviceStatus:
    """What the device, its FN and its OFD queue say right now."""

    mode: int
    submode: int
    mode_text: str
    shift_open: bool
    shift_expired: bool
    shift_number: int
    shift_opened_at: datetime
    receipt_open: bool
    paper_out: bool
    fn_serial: str
    fn_expiry: date
    fn_phase: int
    fn_warnings: list
    last_fd_number: int
    ofd_unsent_count: int
    ofd_first_unsent_fd: int
    ofd_oldest_unsent: datetime
    model_name: str
    serial_number: str
    blocked_reason: str = None
    blocked_reason_ru: str = None
    mode_text_ru: str = ""
    device_datetime: datetime = None


@dataclass
class ShiftReport:
    """The fiscal document of a shift opening or closing."""

    shift_number: int
    fd_number: int
    fiscal_sign: int
    fiscal_datetime: datetime


@dataclass
class FiscalResult:
    """A receipt as the FN holds it, plus what was sent and answered.

    ``total`` is the amount the FN booked (the rounding deducted); ``recovered``
    is True when the receipt was found in the FN instead of being printed by
    this call; ``print_pending`` when the document is fiscal but its
    paper copy waits for paper (the next call continues printing).
    """

    fd_number: int
    fiscal_sign: int
    fn_serial: str
    shift_number: int
    receipt_number: int
    fiscal_datetime: datetime
    total: int
    operation: int
    qr: str
    request: dict = field(default_factory=dict)
    answer: dict = field(default_factory=dict)
    recovered: bool = False
    print_pending: bool = False


def fiscal_qr(moment, total, fn_serial, fd_number, fiscal_sign, operation):
    """The FNS QR code text printed on a receipt.

    >>> fiscal_qr(datetime(2026, 12, 4, 10, 30), 150050, "9999078900012345", 42,
    ...           305419896, 1)
    't=20261204T1030&s=1500.50&fn=9999078900012345&i=42&fp=305419896&n=1'
    """
    stamp = moment.strftime("%Y%m%dT%H%M") if moment else ""
    return (
        f"t={stamp}&s={total // 100}.{total % 100:02d}&fn={fn_serial}"
        f"&i={fd_number}&fp={fiscal_sign}&n={operation}"
    )
