# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Little-endian request parsing and answer packing of the Shtrih-M command layer.

A short or malformed request raises :class:`ParamError`, which the device answers
with error 33h (incorrect command parameters).
"""

import datetime


class ParamError(Exception):
    """The request does not carry the parameters its command needs."""


class Request:
    """Read the fields of a command payload in order.

    >>> request = Request(bytes.fromhex("8d 01 00 00 00 02"), 1)
    >>> request.uint(4), request.uint(1), request.rest()
    (1, 2, b'')
    """

    def __init__(self, payload, code_size):
        self.payload = payload
        self.position = code_size

    def take(self, size):
        chunk = self.payload[self.position : self.position + size]
        if len(chunk) != size:
            raise ParamError(f"Request ends before a field of {size} bytes")
        self.position += size
        return chunk

    def uint(self, size):
        return int.from_bytes(self.take(size), "little")

    def rest(self):
        chunk = self.payload[self.position :]
        self.position = len(self.payload)
        return chunk


def uint(number, size):
    """Pack an unsigned little-endian integer.

    >>> uint(425, 4).hex(" ")
    'a9 01 00 00'
    """
    return int(number).to_bytes(size, "little")


def fn_datetime(moment):
    """The FN DATE_TIME field: YY MM DD HH MM.

    >>> fn_datetime(datetime.datetime(2021, 7, 29, 11, 29)).hex(" ")
    '15 07 1d 0b 1d'
    """
    return bytes(
        [moment.year % 100, moment.month, moment.day, moment.hour, moment.minute]
    )


def kkt_date(moment):
    """The KKT date field: DD MM YY."""
    return bytes([moment.day, moment.month, moment.year % 100])


def kkt_time(moment):
    """The KKT time field: HH MM SS."""
    return bytes([moment.hour, moment.minute, moment.second])


def moment_of(timestamp):
    """Local date and time of a POSIX timestamp, as the device's clock shows it."""
    return datetime.datetime.fromtimestamp(timestamp)
