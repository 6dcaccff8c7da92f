# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Transports of the emulator: a TCP listener, a pseudo-terminal, the control port.

Each accepted connection is served in its own daemon thread; the device lock
keeps commands from different connections apart.
"""

import itertools
import json
import logging
import os
import select
import socket
import threading
import time
import tty

from .link import Wire

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


class SocketPort:
    """A connected TCP socket as the link layer reads and writes it."""

    def __init__(self, sock):
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return b""
        if not data:
            raise EOFError("Peer closed the connection")
        return data

    def write(self, data):
        self.sock.sendall(data)


class PtyPort:
    """The master side of a pseudo-terminal; the client opens the slave path."""

    def __init__(self, master):
        self.master = master

    def read(self, timeout):
        ready, _write, _error = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(self.master, 4096)
        except OSError:
            time.sleep(timeout)
            return b""

    def write(self, data):
        os.write(self.master, data)


def _serve_connection(protocol, faults, baud, sock, name):
    with sock:
        try:
            protocol.serve(Wire(SocketPort(sock), faults, baud, name))
        except (EOFError, OSError) as error:
            _logger.debug("Connection ended: %s", error)


def _start(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def listen(port, host=HOST):
    """Open a listening TCP socket (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(8)
    return sock


def _accept_loop(listener, handle):
    while True:
        sock, _address = listener.accept()
        _start(handle, sock)


def serve_tcp(protocol, faults, baud, port, host=HOST):
    """Serve the KKT protocol on a TCP port; return the URL clients use."""
    listener = listen(port, host)
    numbers = itertools.count(1)

    def handle(sock):
        _serve_connection(protocol, faults, baud, sock, f"tcp-{next(numbers)}")

    _start(_accept_loop, listener, handle)
    return f"socket://{host}:{listener.getsockname()[1]}"


def serve_pty(protocol, faults, baud):
    """Serve the KKT protocol on a new pseudo-terminal; return the slave path."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    wire = Wire(PtyPort(master), faults, baud, "pty")
    _start(protocol.serve, wire)
    return path


def serve_control(handler, port):
    """Answer JSON-line requests with ``handler(request) -> dict``; return the port.

    The control channel has no password, so it listens on the loopback address
    only, whatever address the KKT port uses.
    """
    listener = listen(port)

    def handle(sock):
        with sock, sock.makefile("rwb") as stream:
            for line in stream:
                stream.write(_control_reply(handler, line))
                stream.flush()

    _start(_accept_loop, listener, handle)
    return listener.getsockname()[1]


def _control_reply(handler, line):
    try:
        reply = handler(json.loads(line))
    except (ValueError, KeyError, TypeError) as error:
        reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return json.dumps(reply).encode() + b"\n"
