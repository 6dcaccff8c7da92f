# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""FFD tag-length-value encoding: tag and length are little-endian uint16.

Strings stored in the FN are CP866; money is a VLN in kopecks; a quantity is an
FVLN whose first byte is the position of the decimal point.
"""

import struct

from .errors import KktError

FN_ENCODING = "cp866"


def tlv(tag, value):
    """Encode one TLV from raw ``value`` bytes.

    >>> tlv(1008, b"a@b.ru").hex(" ")
    'f0 03 06 00 61 40 62 2e 72 75'
    """
    return struct.pack("<HH", tag, len(value)) + value


def tlv_string(tag, text):
    """Encode a string tag in the FN code page (CP866)."""
    return tlv(tag, text.encode(FN_ENCODING))


def tlv_uint(tag, number, size):
    """Encode a fixed-size little-endian unsigned integer tag (byte, UInt16, UInt32).

    >>> tlv_uint(1055, 1, 1).hex(" ")
    '1f 04 01 00 01'
    """
    return tlv(tag, number.to_bytes(size, "little"))


def vln(number):
    """Variable-length unsigned integer: as few little-endian bytes as needed.

    >>> vln(12345).hex(" "), vln(0).hex(" ")
    ('39 30', '00')
    """
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "little")


def tlv_vln(tag, number):
    """Encode a VLN tag, for example a sum in kopecks."""
    return tlv(tag, vln(number))


def fvln(value, decimals):
    """Floating VLN: decimal point position, then the scaled integer as a VLN.

    >>> fvln(1.5, 3).hex(" ")
    '03 dc 05'
    """
    return bytes([decimals]) + vln(round(value * 10**decimals))


def tlv_stlv(tag, children):
    """Encode a structure whose value is a sequence of already encoded TLVs."""
    return tlv(tag, b"".join(children))


def parse_tlvs(data):
    """Split ``data`` into a list of ``(tag, value)`` pairs.

    >>> parse_tlvs(tlv_uint(1055, 1, 1) + tlv_string(1008, "x"))
    [(1055, b'\\x01'), (1008, b'x')]
    """
    items = []
    position = 0
    while position < len(data):
        if position + 4 > len(data):
            raise KktError(f"Truncated TLV header at byte {position}")
        tag, length = struct.unpack_from("<HH", data, position)
        position += 4
        value = data[position : position + length]
        if len(value) != length:
            raise KktError(f"Tag {tag} announces {length} bytes, has {len(value)}")
        items.append((tag, value))
        position += length
    return items


def parse_vln(value):
    """Decode a VLN back into an integer."""
    return int.from_bytes(value, "little")
