# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Byte pipe to a KKT through pyserial URL handlers, with per-read deadlines.

Device paths, ``socket://host:port``, ``rfc2217://host:port`` and ``spy://`` all
open through :func:`serial.serial_for_url`; nothing here knows about frames.
"""

import re
import socket
import time
from contextlib import contextmanager

import serial

from .errors import KktError, LinkError

DEFAULT_BAUDRATE = 115200
DEFAULT_BYTE_TIMEOUT = 0.1
# A TCP converter may refuse a new connection for a moment after the previous
# one closed: a refused connect is tried again, a few times, before failing.
CONNECT_ATTEMPTS = 3
CONNECT_PAUSE = 0.1
NETWORK_SCHEMES = ("socket", "rfc2217")
URL_FORMS = "/dev/ttyS0, socket://host:port, rfc2217://host:port or spy://..."
LINK_ADVICE = (
    "Check the cable, power and network of the device; the call will be retried",
    "Проверьте кабель, питание и сеть ККТ; вызов будет повторён",
)
_HOST_PORT = re.compile(
    r"^(?P<host>\[[^\]]+\]|[^:/?\[\]]+):(?P<port>\d{1,5})(?:[/?].*)?$"
)


def check_url(url, device_name="KKT"):
    """Raise KktError unless ``url`` is a device path or a usable pyserial URL.

    >>> check_url("socket://127.0.0.1:7778")
    >>> check_url("socket://127.0.0.1", "KKT 1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kkt.errors.KktError: KKT 1: the port address 'socket://127.0.0.1' needs a host ...
    """
    scheme, sep, rest = str(url or "").partition("://")
    problem = None
    if not scheme.strip():
        problem = ("is empty", "пуст")
    elif sep and scheme in NETWORK_SCHEMES:
        match = _HOST_PORT.match(rest)
        if not (match and 1 <= int(match["port"]) <= 65535):
            problem = (
                "needs a host and a port from 1 to 65535",
                "должен содержать хост и порт от 1 до 65535",
            )
    if problem:
        raise KktError(
            f"{device_name}: the port address {url!r} {problem[0]}. Use {URL_FORMS}",
            f"{device_name}: адрес порта {url!r} {problem[1]}. Укажите {URL_FORMS}",
        )


def device_where(device_name, url):
    """How messages name a device: its name with the URL in brackets."""
    if not device_name or device_name == url:
        return url
    return f"{device_name} ({url})"


def link_error(where, what, what_ru):
    """A LinkError naming ``where`` and ending with what to do about it."""
    return LinkError(
        f"{where}: {what}. {LINK_ADVICE[0]}.", f"{where}: {what_ru}. {LINK_ADVICE[1]}."
    )


def _open_port(url, baudrate, byte_timeout):
    """Open ``url`` with pyserial, trying a refused TCP connect again.

    No byte has been sent when a connect is refused, so trying again is safe.
    """
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            return serial.serial_for_url(url, baudrate=baudrate, timeout=byte_timeout)
        except serial.SerialException as error:
            refused = isinstance(error.__context__, ConnectionRefusedError)
            if not refused or attempt == CONNECT_ATTEMPTS:
                raise
        time.sleep(CONNECT_PAUSE)


def _close_socket_at_once(port):
    """Close the connection of a ``socket://`` port without pyserial's pause.

    pyserial 3.5 sleeps 0.3 s after closing a socket:// port, for quick
    reconnects; the driver connects once per call, so two calls per fiscal
    receipt would pay it while holding the device lock. A refused reconnect
    is tried again instead (see :func:`_open_port`).
    """
    sock = getattr(port, "_socket", None)
    if type(port).__module__.endswith(".protocol_socket") and isinstance(
        sock, socket.socket
    ):
        port._socket = None
        port.is_open = False
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


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

    ``where`` names the device in messages: its name with the URL in brackets.
    """

    def __init__(self, port, url, byte_timeout=DEFAULT_BYTE_TIMEOUT, device_name=""):
        self.port = port
        self.url = url
        self.where = device_where(device_name, url)
        self.byte_timeout = byte_timeout
        self.bytes_sent = 0
        self.bytes_received = 0

    @classmethod
    def open(
        cls,
        url,
        baudrate=DEFAULT_BAUDRATE,
        byte_timeout=DEFAULT_BYTE_TIMEOUT,
        device_name="",
    ):
        """Open ``url`` (8N1, no flow control).

        :raises KktError: when ``url`` is not a device path or pyserial URL.
        :raises LinkError: when the port cannot be opened.
        """
        check_url(url, device_name or "KKT")
        where = device_where(device_name, url)
        try:
            port = _open_port(url, baudrate, byte_timeout)
        except (serial.SerialException, OSError, ValueError) as error:
            detail = re.sub(
                rf"^could not open port {re.escape(url)}: ", "", str(error), flags=re.I
            )
            raise link_error(
                where,
                f"cannot open the port: {detail}",
                f"не удалось открыть порт: {detail}",
            ) from error
        _disable_nagle(port)
        return cls(port, url, byte_timeout, device_name)

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
                f"{self.where}: no answer within {timeout:g} s "
                f"(got {len(data)} of {count} bytes)",
                f"{self.where}: нет ответа за {timeout:g} с "
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
            detail = str(error).removeprefix(f"{what}: ")
            raise link_error(
                self.where, f"{what}: {detail}", f"{what_ru}: {detail}"
            ) from error

    def close(self):
        """Close the port; closing twice is harmless."""
        try:
            _close_socket_at_once(self.port)
            self.port.close()
        except (serial.SerialException, OSError):
            return
