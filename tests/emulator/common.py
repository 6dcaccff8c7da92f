# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A raw-frame client and command builders for the emulator tests.

The client speaks the link layer by hand on purpose: the tests check the
emulator's bytes, not the driver's interpretation of them.
"""

import socket
import time

import serial

from kkt.frames import (
    ACK,
    ENQ,
    NAK,
    STX,
    STX2,
    encode_frame1,
    encode_frame2,
    read_frame1,
    read_frame2,
)

CASHIER = 1
ADMIN = 29
SYSADMIN = 30
COMPUTE = 0xFFFFFFFFFF


def le(number, size):
    return int(number).to_bytes(size, "little")


class RawClient:
    """Protocol 1 or 2 over a pyserial URL, one byte exchange at a time."""

    def __init__(self, url, timeout=3.0):
        self.port = serial.serial_for_url(url, baudrate=115200, timeout=timeout)
        self.number = 0
        sock = getattr(self.port, "_socket", None)
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        self.port.close()

    def write(self, data):
        self.port.write(data)

    def read(self, count):
        data = self.port.read(count)
        if len(data) != count:
            raise TimeoutError(f"Wanted {count} bytes, got {data.hex(' ')!r}")
        return data

    def read_byte(self):
        return self.read(1)[0]

    def quiet_for(self, seconds):
        """Return whatever arrives within ``seconds`` (empty when nothing does)."""
        timeout, self.port.timeout = self.port.timeout, seconds
        try:
            return self.port.read(64)
        finally:
            self.port.timeout = timeout

    def read_answer(self):
        """Read an answer frame (STX first), acknowledge it, return its payload."""
        assert self.read_byte() == STX
        payload = read_frame1(self.read)
        self.write(bytes([ACK]))
        return payload

    def command(self, payload):
        """ENQ, send the frame, read the answer: the full protocol 1 exchange."""
        self.write(bytes([ENQ]))
        reply = self.read_byte()
        if reply == ACK:
            self.read_answer()
        else:
            assert reply == NAK
        self.write(encode_frame1(payload))
        assert self.read_byte() == ACK
        return self.read_answer()

    def command2(self, payload, number=None):
        """Send a protocol 2 frame; return ``(number, answer payload)``."""
        if number is None:
            self.number += 1
            number = self.number
        self.write(encode_frame2(number, payload))
        assert self.read_byte() == STX2
        return read_frame2(self.read)


def status(pwd=CASHIER):
    return bytes([0x10]) + le(pwd, 4)


def open_shift(pwd=CASHIER):
    return bytes([0xE0]) + le(pwd, 4)


def z_report(pwd=ADMIN):
    return bytes([0x41]) + le(pwd, 4)


def open_receipt(kind=0, pwd=CASHIER):
    return bytes([0x8D]) + le(pwd, 4) + bytes([kind])


def operation(
    name="Lens",
    price=150000,
    quantity=1_000_000,
    amount=COMPUTE,
    tax=0xCB,
    op=1,
    pwd=CASHIER,
    method=4,
    subject=1,
):
    return (
        bytes.fromhex("ff 46")
        + le(pwd, 4)
        + bytes([op])
        + le(quantity, 6)
        + le(price, 5)
        + le(amount, 5)
        + le(COMPUTE, 5)
        + bytes([tax, 0, method, subject])
        + name.encode("cp1251")
    )


def receipt_tlv(tag, value, pwd=SYSADMIN):
    return bytes.fromhex("ff 0c") + le(pwd, 4) + le(tag, 2) + le(len(value), 2) + value


def item_tlv(tag, value, pwd=SYSADMIN):
    return bytes.fromhex("ff 4d") + le(pwd, 4) + le(tag, 2) + le(len(value), 2) + value


def close_receipt(cash=0, electronic=0, tax_system=0x01, pwd=CASHIER, rounding=0):
    payments = [cash, electronic] + [0] * 14
    return (
        bytes.fromhex("ff 45")
        + le(pwd, 4)
        + b"".join(le(amount, 5) for amount in payments)
        + bytes([rounding])
        + bytes(30)
        + bytes([tax_system])
    )


def fn_command(code, data=b"", pwd=SYSADMIN):
    return bytes([0xFF, code]) + le(pwd, 4) + data


def eventually(predicate, limit=10.0):
    """Poll ``predicate`` until it is true or ``limit`` seconds pass; return it."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_idle(client, limit=10.0):
    """Poll 10h until the submode leaves "printing"; return the last answer."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        answer = client.command(status())
        if mode_of(answer)[1] != 5:
            return answer
        time.sleep(0.01)
    raise AssertionError(f"The emulator was still printing after {limit} s")


def mode_of(answer):
    """Mode and submode from a 10h answer payload."""
    return answer[5], answer[6]


def error_of(answer):
    """The error byte of an answer payload (after a one- or two-byte code)."""
    return answer[2] if answer[0] == 0xFF else answer[1]


def start_shift(client):
    """Open a shift and wait until its report is printed."""
    assert error_of(client.command(open_shift())) == 0
    wait_idle(client)


def sell(client, price=150000, cash=None, electronic=0, tlvs=()):
    """Run a one-line sale and return the FF45 answer payload."""
    assert error_of(client.command(open_receipt())) == 0
    for tag, value in tlvs:
        assert error_of(client.command(receipt_tlv(tag, value))) == 0
    assert error_of(client.command(operation(price=price))) == 0
    answer = client.command(
        close_receipt(cash=price if cash is None else cash, electronic=electronic)
    )
    wait_idle(client)
    return answer


def fd_of(close_answer):
    """FD number and fiscal sign from an FF45 answer payload."""
    return (
        int.from_bytes(close_answer[8:12], "little"),
        int.from_bytes(close_answer[12:16], "little"),
    )
