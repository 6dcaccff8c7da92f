# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Transports through pyserial URLs (pty path, socket://, spy://) and kkt-status."""

import json
import socket
import threading
import types

import pytest
import serial
import serial.rfc2217

from kkt.cli import main
from kkt.emulator.testing import running_emulator
from kkt.errors import LinkError
from kkt.session import KktSession
from kkt.transport import Transport

from .common import run_kkt_status


@pytest.fixture(scope="module")
def pty_emulator():
    with running_emulator(tcp=False, print_time=0.01) as (path, control):
        yield path, control


def test_a_device_path_talks_to_the_emulator_over_a_real_pty(pty_emulator):
    path, _control = pty_emulator
    assert path.startswith("/dev/")
    with KktSession.connect(path, timeout_scale=0.1) as kkt:
        assert kkt.short_status().mode in (2, 4)


def test_spy_url_writes_a_hex_trace_of_the_frames(pty_emulator, tmp_path):
    path, _control = pty_emulator
    trace = tmp_path / "trace.txt"
    with KktSession.connect(f"spy://{path}?file={trace}", timeout_scale=0.1) as kkt:
        kkt.short_status()
    text = trace.read_text()
    assert "TX   0000  05 " in text
    assert "TX   0000  02 05 10 1E 00 00 00 0B" in text


def test_an_unreachable_socket_raises_a_retryable_link_error():
    with pytest.raises(LinkError) as caught:
        Transport.open("socket://127.0.0.1:9")
    assert caught.value.retryable


def test_kkt_status_prints_json_of_the_device(capsys):
    with running_emulator(print_time=0.01) as (url, _control):
        assert main([url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == 4
    assert data["shift_open"] is False
    assert len(data["fn_serial"]) == 16
    assert data["fn_expiry"][:2] == "20"


def test_kkt_status_command_prints_text_and_fails_cleanly_without_device():
    with running_emulator(print_time=0.01) as (url, _control):
        done = run_kkt_status(url)
    assert done.returncode == 0
    assert "shift closed" in done.stdout
    failed = run_kkt_status("socket://127.0.0.1:9")
    assert failed.returncode == 2
    assert "socket://127.0.0.1:9: cannot open the port" in failed.stderr
    assert "Check the cable, power and network" in failed.stderr


class Rfc2217Bridge:
    """A one-client RFC 2217 server sharing a port, as a cashier PC shares its KKT.

    The shared port is the emulator's socket: a pty has no modem lines to report.
    """

    def __init__(self, port_url):
        self.port = serial.serial_for_url(port_url, timeout=0.05)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"rfc2217://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _address = self.listener.accept()
        connection.settimeout(0.05)
        writer = types.SimpleNamespace(write=connection.sendall)
        manager = serial.rfc2217.PortManager(self.port, writer)
        while not self.stop.is_set():
            data = self.port.read(256)
            if data:
                connection.sendall(b"".join(manager.escape(data)))
            try:
                incoming = connection.recv(1024)
            except TimeoutError:
                continue
            if not incoming:
                break
            self.port.write(b"".join(manager.filter(incoming)))
        connection.close()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.listener.close()
        self.port.close()


def test_rfc2217_url_reaches_a_port_shared_over_the_network():
    with running_emulator(print_time=0.01) as (url, _control):
        bridge = Rfc2217Bridge(url)
        try:
            with KktSession.connect(bridge.url, timeout_scale=0.5) as kkt:
                assert kkt.fn_status().serial.isdigit()
        finally:
            bridge.close()


@pytest.fixture
def tcp_converter():
    """A TCP socket bound on 127.0.0.1 that is not yet listening: connects to
    it are refused until the test calls ``listen()``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    yield server
    server.close()


def test_socket_port_closes_its_connection_and_may_be_closed_twice(tcp_converter):
    tcp_converter.listen()
    port = Transport.open(f"socket://127.0.0.1:{tcp_converter.getsockname()[1]}")
    peer, _address = tcp_converter.accept()

    port.close()
    port.close()

    assert not port.port.is_open
    peer.settimeout(5)
    assert peer.recv(1) == b"", "the converter sees the connection end"
    peer.close()


def test_refused_connect_is_tried_again_until_the_converter_listens(
    tcp_converter, monkeypatch
):
    pauses = []

    def converter_ready_after_a_pause(seconds):
        pauses.append(seconds)
        tcp_converter.listen()

    monkeypatch.setattr("kkt.transport.time.sleep", converter_ready_after_a_pause)

    port = Transport.open(f"socket://127.0.0.1:{tcp_converter.getsockname()[1]}")

    assert pauses == [0.1]
    assert port.port.is_open
    port.close()


def test_connect_refused_every_time_fails_after_three_tries(tcp_converter, monkeypatch):
    pauses = []
    monkeypatch.setattr("kkt.transport.time.sleep", pauses.append)
    url = f"socket://127.0.0.1:{tcp_converter.getsockname()[1]}"

    with pytest.raises(LinkError) as caught:
        Transport.open(url, device_name="Till 2")

    assert len(pauses) == 2
    assert "Till 2" in str(caught.value)
    assert "cannot open the port" in str(caught.value)
    assert caught.value.retryable
