# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Modes, submodes, passwords and error codes of a Shtrih-M KKT.

The numbers are those of the vendor protocol; the names are ours.
"""

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


class CommandError(Exception):
    """The device refuses the command with error ``code``."""

    def __init__(self, code):
        super().__init__(f"error {code:02X}h")
        self.code = code


def split_code(payload):
    """Return ``(code, size)`` of the command code at the head of ``payload``.

    >>> split_code(bytes.fromhex("ff 45 1e")), split_code(b"\\x10")
    ((65349, 2), (16, 1))
    """
    if payload[0] == 0xFF and len(payload) >= 2:
        return 0xFF00 | payload[1], 2
    return payload[0], 1
