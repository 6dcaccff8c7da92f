# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Byte pipe to a KKT through pyserial URL handlers, with per-read deadlines.

Device paths, ``socket://host:port``, ``rfc2217://host:port`` and ``spy://`` all
open through :func:`serial.serial_for_url`; nothing here knows about frames.
"""

import socket
import time
from contextlib import contextmanager

import serial

from .errors import LinkError

DEFAULT_BAUDRATE = 115200
DEFAULT_BYTE_TIMEOUT = 0.1


def _disable_nagle(port):
    """Send small frames at once on TCP URLs (socket://, rfc2217://).

    Without TCP_NODELAY an ACK followed by the next ENQ waits for the peer's
    delayed TCP acknowledgement, about 40 ms per command.
    """
    sock = getattr(port, "_socket", None)
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Transport:
    """An open port that reads exactly what was asked for or raises LinkError.

    ``byte_timeout`` is the longest pause allowed between two bytes of one frame;
    the wait for the first byte of an answer is given per call.

    >>> port = Transport.open("loop://")
    >>> port.write(b"\\x05")
    >>> port.read(1, timeout=0.1)
    b'\\x05'
    >>> port.read(1, timeout=0.01)
    Traceback (most recent call last):
    ...
    kkt.errors.LinkError: loop://: no answer within 0.01 s (got 0 of 1 bytes)
    >>> port.close()
    """

    def __init__(self, port, url, byte_timeout=DEFAULT_BYTE_TIMEOUT):
        self.port = port
        self.url = url
        self.byte_timeout = byte_timeout
        self.bytes_sent = 0
        self.bytes_received = 0

    @classmethod
    def open(cls, url, baudrate=DEFAULT_BAUDRATE, byte_timeout=DEFAULT_BYTE_TIMEOUT):
        """Open ``url`` (8N1, no flow control); raise LinkError when it fails."""
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=byte_timeout)
        except (serial.SerialException, OSError, ValueError) as error:
            raise LinkError(
                f"Cannot open KKT port {url}: {error}",
                f"Не удалось открыть порт ККТ {url}: {error}",
            ) from error
        _disable_nagle(port)
        return cls(port, url, byte_timeout)

    def read(self, count, timeout):
        """Return exactly ``count`` bytes, the first within ``timeout`` seconds.

        The port's own timeout stays at the byte timeout (changing it costs a
        reconfiguration, over the network for ``rfc2217://``); the wait for the
        first byte is a loop of such reads. After the first byte each further
        byte must follow within the byte timeout, so a peer falling silent
        mid-frame fails fast.
        """
        deadline = time.monotonic() + timeout
        data = b""
        with self._port_errors("read failed", "ошибка чтения"):
            while len(data) < count:
                chunk = self.port.read(count - len(data))
                if chunk:
                    data += chunk
                elif data or time.monotonic() >= deadline:
                    break
        self.bytes_received += len(data)
        if len(data) < count:
            raise LinkError(
                f"{self.url}: no answer within {timeout:g} s "
                f"(got {len(data)} of {count} bytes)",
                f"{self.url}: нет ответа за {timeout:g} с "
                f"(получено {len(data)} из {count} байт)",
            )
        return data

    def read_frame_bytes(self, count):
        """Read the rest of a frame: ``count`` bytes, each within the byte timeout."""
        return self.read(count, self.byte_timeout)

    def write(self, data):
        """Send ``data`` and wait until it has left the port."""
        with self._port_errors("write failed", "ошибка записи"):
            self.port.write(data)
            self.port.flush()
        self.bytes_sent += len(data)

    def discard_input(self):
        """Drop bytes that arrived unasked (stale answers, line noise)."""
        with self._port_errors("cannot clear input", "не удалось очистить ввод"):
            self.port.reset_input_buffer()

    @contextmanager
    def _port_errors(self, what, what_ru):
        """Turn a failure of the port inside the block into a LinkError."""
        try:
            yield
        except (serial.SerialException, OSError) as error:
            raise LinkError(
                f"{self.url}: {what}: {error}", f"{self.url}: {what_ru}: {error}"
            ) from error

    def close(self):
        """Close the port; closing twice is harmless."""
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            return
