# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shtrih-M frame layouts: protocol 1 (STX, length, LRC) and protocol 2 (0x8F, CRC16).

Both carry the same payloads; readers take a ``read(n)`` callable returning exactly
``n`` bytes or raising, so the link layer and the emulator share one parser.
"""

from .errors import FrameError

ENQ = 0x05
STX = 0x02
ACK = 0x06
NAK = 0x15
STX2 = 0x8F
ESC2 = 0x9F
_STUFFED = {STX2: b"\x9f\x81", ESC2: b"\x9f\x83"}
_UNSTUFFED = {0x81: STX2, 0x83: ESC2}

MAX_PAYLOAD1 = 255


def lrc(data):
    """XOR of all bytes: the protocol 1 checksum over length and payload.

    >>> hex(lrc(bytes([0x05, 0x10, 0x1E, 0x00, 0x00, 0x00])))
    '0xb'
    """
    result = 0
    for byte in data:
        result ^= byte
    return result


def encode_frame1(payload):
    """Frame ``payload`` for protocol 1.

    The short status request with system administrator password 30:

    >>> encode_frame1(bytes.fromhex("10 1E 00 00 00")).hex(" ")
    '02 05 10 1e 00 00 00 0b'
    """
    if not 0 < len(payload) <= MAX_PAYLOAD1:
        raise FrameError(f"Payload of {len(payload)} bytes does not fit a frame")
    body = bytes([len(payload)]) + payload
    return bytes([STX]) + body + bytes([lrc(body)])


def decode_frame1(frame):
    """Return the payload of a complete protocol 1 frame, checking its LRC.

    >>> decode_frame1(bytes.fromhex("02 02 25 50 77")).hex(" ")
    '25 50'
    """
    if len(frame) < 3 or frame[0] != STX:
        raise FrameError(f"Not a protocol 1 frame: {frame.hex(' ')}")
    length = frame[1]
    if len(frame) != length + 3:
        raise FrameError(
            f"Frame length byte says {length}, frame carries {len(frame) - 3}"
        )
    if lrc(frame[1:-1]) != frame[-1]:
        raise FrameError(f"Bad LRC in frame {frame.hex(' ')}")
    return frame[2:-1]


def read_frame1(read):
    """Read one protocol 1 frame whose STX was already consumed; return its payload.

    >>> data = iter([bytes([0x02]), bytes([0x25, 0x50, 0x77])])
    >>> read_frame1(lambda n: next(data)).hex(" ")
    '25 50'
    """
    length = read(1)
    rest = read(length[0] + 1)
    return decode_frame1(bytes([STX]) + length + rest)


def crc16_ccitt(data):
    """CRC-16/CCITT-FALSE (init 0xFFFF, poly 0x1021), the protocol 2 checksum.

    >>> hex(crc16_ccitt(bytes.fromhex("07 00 25 00 10 01 00 00 00")))
    '0xcc66'
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = (crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def stuff(data):
    """Escape 0x8F and 0x9F so that STX2 only ever starts a frame.

    >>> stuff(bytes([0x01, 0x8F, 0x9F])).hex(" ")
    '01 9f 81 9f 83'
    """
    return b"".join(_STUFFED.get(byte, bytes([byte])) for byte in data)


def encode_frame2(number, payload):
    """Frame ``payload`` for protocol 2 with packet ``number`` (mod 65536).

    >>> encode_frame2(37, bytes.fromhex("10 01 00 00 00")).hex(" ")
    '8f 07 00 25 00 10 01 00 00 00 66 cc'
    """
    body = (len(payload) + 2).to_bytes(2, "little")
    body += (number % 0x10000).to_bytes(2, "little") + payload
    body += crc16_ccitt(body).to_bytes(2, "little")
    return bytes([STX2]) + stuff(body)


def _read_unstuffed(read, count):
    out = bytearray()
    while len(out) < count:
        byte = read(1)[0]
        if byte == STX2:
            raise FrameError("Frame start byte inside a protocol 2 frame")
        if byte == ESC2:
            code = read(1)[0]
            if code not in _UNSTUFFED:
                raise FrameError(f"Bad escape sequence 9f {code:02x}")
            byte = _UNSTUFFED[code]
        out.append(byte)
    return bytes(out)


def read_frame2(read):
    """Read one protocol 2 frame whose 0x8F was already consumed.

    Returns ``(number, payload)``; a ping (LEN16 = 0: no number, no payload)
    returns ``(None, b"")``.

    >>> raw = encode_frame2(37, bytes.fromhex("10 01 00 00 00"))[1:]
    >>> stream = iter(raw)
    >>> number, payload = read_frame2(lambda n: bytes(next(stream) for _ in range(n)))
    >>> number, payload.hex(" ")
    (37, '10 01 00 00 00')
    """
    head = _read_unstuffed(read, 2)
    length = int.from_bytes(head, "little")
    if length == 0:
        crc = _read_unstuffed(read, 2)
        if crc16_ccitt(head) != int.from_bytes(crc, "little"):
            raise FrameError("Bad CRC16 in protocol 2 ping")
        return None, b""
    if length < 2:
        raise FrameError(f"Protocol 2 length {length} is shorter than a number")
    body = _read_unstuffed(read, length)
    crc = _read_unstuffed(read, 2)
    if crc16_ccitt(head + body) != int.from_bytes(crc, "little"):
        raise FrameError("Bad CRC16 in protocol 2 frame")
    return int.from_bytes(body[:2], "little"), body[2:]


def encode_ping2():
    """The protocol 2 ping (LEN16 = 0, no number).

    The device answers with the number and answer of the last command it ran.

    >>> encode_ping2().hex(" ")
    '8f 00 00 0f 1d'
    >>> decode_frame2(encode_ping2())
    (None, b'')
    """
    head = b"\x00\x00"
    return bytes([STX2]) + stuff(head + crc16_ccitt(head).to_bytes(2, "little"))


def decode_frame2(frame):
    """Decode a complete protocol 2 frame into ``(number, payload)``."""
    if not frame or frame[0] != STX2:
        raise FrameError(f"Not a protocol 2 frame: {frame.hex(' ')}")
    position = 1

    def read(count):
        nonlocal position
        chunk = frame[position : position + count]
        if len(chunk) != count:
            raise FrameError("Protocol 2 frame is truncated")
        position += count
        return chunk

    number, payload = read_frame2(read)
    if position != len(frame):
        raise FrameError("Trailing bytes after protocol 2 frame")
    return number, payload
