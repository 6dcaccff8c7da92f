# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Frames as the debug log shows them: hex, without passwords or buyer contacts.

Requests hide their 4 password bytes; a receipt tag 1008 (buyer phone or e-mail)
is hidden both when it is sent (FF0C) and when a document is read back (FF3B).
"""

PASSWORDLESS = {0xFC}
TLV_REQUESTS = {0xFF0C, 0xFF4D}
TLV_ANSWERS = {0xFF3B}
TAG_BUYER_CONTACT = 1008
HIDDEN_PASSWORD = "** ** ** **"
HIDDEN_CONTACT = "(buyer contact)"


def command_code(payload):
    """Return the command code of a payload: one byte, or two after 0xFF.

    >>> hex(command_code(bytes.fromhex("ff 46 1e 00"))), hex(command_code(b"\\x10"))
    ('0xff46', '0x10')
    """
    if payload[0] == 0xFF and len(payload) > 1:
        return int.from_bytes(payload[:2], "big")
    return payload[0]


def _code_size(code):
    return 2 if code > 0xFF else 1


def tlv_hex(data):
    """Hex of TLV data whose first tag may be the buyer contact, hidden if so.

    >>> tlv_hex(bytes.fromhex("f0 03 02 00 61 62 01 02"))
    'f0 03 02 00 (buyer contact) 01 02'
    >>> tlv_hex(bytes.fromhex("a8 04 01 00 31"))
    'a8 04 01 00 31'
    """
    if len(data) < 4 or int.from_bytes(data[:2], "little") != TAG_BUYER_CONTACT:
        return data.hex(" ")
    end = 4 + int.from_bytes(data[2:4], "little")
    return " ".join([data[:4].hex(" "), HIDDEN_CONTACT, data[end:].hex(" ")]).strip()


def request_hex(payload):
    """Hex dump of a request with its password (and a buyer contact) hidden.

    >>> request_hex(bytes.fromhex("10 1e 00 00 00"))
    '10 ** ** ** **'
    >>> request_hex(bytes.fromhex("ff 01 1e 00 00 00 07"))
    'ff 01 ** ** ** ** 07'
    >>> request_hex(bytes.fromhex("ff 0c 1e 00 00 00 f0 03 01 00 61"))
    'ff 0c ** ** ** ** f0 03 01 00 (buyer contact)'
    """
    code = command_code(payload)
    size = _code_size(code)
    if code in PASSWORDLESS or len(payload) < size + 4:
        return payload.hex(" ")
    rest = payload[size + 4 :]
    rest_hex = tlv_hex(rest) if code in TLV_REQUESTS else rest.hex(" ")
    return " ".join([payload[:size].hex(" "), HIDDEN_PASSWORD, rest_hex]).strip()


def answer_hex(payload):
    """Hex dump of an answer, a buyer contact read back from the FN hidden.

    >>> answer_hex(bytes.fromhex("ff 3b 00 f0 03 01 00 61"))
    'ff 3b 00 f0 03 01 00 (buyer contact)'
    >>> answer_hex(bytes.fromhex("10 00 1e"))
    '10 00 1e'
    """
    code = command_code(payload)
    head = _code_size(code) + 1
    if code not in TLV_ANSWERS or len(payload) <= head:
        return payload.hex(" ")
    return f"{payload[:head].hex(' ')} {tlv_hex(payload[head:])}"
