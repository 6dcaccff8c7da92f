# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scripted KKT peers on a real pty: just enough device to test the link layers.

Each peer runs in a thread on the pty master, counts how often it executed every
request and misbehaves on demand (NAK, corrupt, drop, go silent, restart).
"""

import collections
import os
import select
import threading

from kkt.frames import (
    ACK,
    ENQ,
    NAK,
    STX,
    STX2,
    crc16_ccitt,
    decode_frame1,
    encode_frame1,
    encode_frame2,
)
from kkt.transport import Transport


def echo_ok(payload):
    """Default device: answer the command code, error 0, then the parameters."""
    size = 2 if payload[0] == 0xFF else 1
    return payload[:size] + b"\x00" + payload[size:]


class PtyPeer:
    """A thread serving the master side of a pty; the driver opens the slave."""

    def __init__(self, handler=echo_ok):
        self.handler = handler
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self.slave = slave
        self.faults = collections.deque()
        self.executed = collections.Counter()
        self.received = bytearray()
        self.silent = False
        self._buffer = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)

    def open_transport(self, byte_timeout=0.05):
        return Transport.open(self.path, byte_timeout=byte_timeout)

    def write(self, data):
        os.write(self.master, data)

    def take_fault(self, name):
        if self.faults and self.faults[0] == name:
            self.faults.popleft()
            return True
        return False

    def execute(self, payload):
        self.executed[payload] += 1
        return self.handler(payload)

    def _serve(self):
        while not self._stop.is_set():
            ready, _w, _x = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            self.received += data
            if self.silent:
                continue
            self._buffer += data
            self.consume()

    def consume(self):
        raise NotImplementedError


class Peer1(PtyPeer):
    """Protocol 1 device: ENQ -> NAK or ACK + held answer; frame -> ACK, answer.

    Faults (taken in order): ``nak_frame``, ``corrupt_answer``, ``ff_after_ack``,
    ``lose_ack`` (run the command, send neither ACK nor answer), ``hold_answer``
    (an answer from an earlier command is pending at the first ENQ).
    """

    def __init__(self, handler=echo_ok):
        super().__init__(handler)
        self.held = None

    def hold(self, answer):
        self.held = answer

    def consume(self):
        while self._buffer:
            byte = self._buffer[0]
            if byte == ENQ:
                del self._buffer[0]
                if self.held is None:
                    self.write(bytes([NAK]))
                else:
                    self.write(bytes([ACK]) + encode_frame1(self.held))
            elif byte == ACK:
                del self._buffer[0]
                self.held = None
            elif byte == NAK:
                del self._buffer[0]
            elif byte == STX:
                if len(self._buffer) < 2 or len(self._buffer) < self._buffer[1] + 3:
                    return
                frame = bytes(self._buffer[: self._buffer[1] + 3])
                del self._buffer[: len(frame)]
                self._frame(frame)
            else:
                del self._buffer[0]

    def _frame(self, frame):
        if self.take_fault("nak_frame"):
            self.write(bytes([NAK]))
            return
        try:
            payload = decode_frame1(frame)
        except Exception:
            self.write(bytes([NAK]))
            return
        answer = self.execute(payload)
        self.held = answer
        if self.take_fault("lose_ack"):
            return
        ack = b"\x06\xff" if self.take_fault("ff_after_ack") else b"\x06"
        raw = encode_frame1(answer)
        if self.take_fault("corrupt_answer"):
            raw = raw[:-1] + bytes([raw[-1] ^ 0x55])
        self.write(ack + raw)


class Peer2(PtyPeer):
    """Protocol 2 device: numbered packets, a repeated number answered from cache.

    Faults: ``drop_answer`` (execute, send nothing), ``corrupt_answer``,
    ``restart`` (forget the numbering before the next packet).
    """

    def __init__(self, handler=echo_ok, last_number=0):
        super().__init__(handler)
        self.last_number = last_number
        self.cached = b""

    def consume(self):
        while self._buffer:
            if self._buffer[0] != STX2:
                del self._buffer[0]
                continue
            unstuffed, used = self._unstuff(bytes(self._buffer[1:]))
            if len(unstuffed) < 2:
                return
            length = int.from_bytes(unstuffed[:2], "little")
            if len(unstuffed) < length + 4:
                return
            body = unstuffed[: length + 4]
            del self._buffer[: 1 + used(length + 4)]
            self._packet(body)

    @staticmethod
    def _unstuff(data):
        out = bytearray()
        positions = []
        index = 0
        while index < len(data):
            if data[index] == 0x9F:
                if index + 1 >= len(data):
                    break
                out.append({0x81: 0x8F, 0x83: 0x9F}.get(data[index + 1], 0))
                index += 2
            else:
                out.append(data[index])
                index += 1
            positions.append(index)
        return bytes(out), lambda count: positions[count - 1]

    def _packet(self, body):
        length = int.from_bytes(body[:2], "little")
        if crc16_ccitt(body[: length + 2]) != int.from_bytes(
            body[length + 2 : length + 4], "little"
        ):
            return
        if self.take_fault("restart"):
            self.last_number = 0
            self.cached = b""
        if length == 0:
            self.write(encode_frame2(self.last_number, self.cached))
            return
        number = int.from_bytes(body[2:4], "little")
        payload = body[4 : length + 2]
        if number == self.last_number and self.cached:
            answer = self.cached
        elif number == (self.last_number + 1) % 0x10000:
            answer = self.execute(payload)
            self.last_number, self.cached = number, answer
        else:
            self.write(encode_frame2(self.last_number, self.cached))
            return
        if self.take_fault("drop_answer"):
            return
        raw = encode_frame2(number, answer)
        if self.take_fault("corrupt_answer"):
            raw = raw[:-1] + bytes([raw[-1] ^ 0x55])
            if raw[-1] in (STX2, 0x9F):
                raw = raw[:-1] + b"\x00"
        self.write(raw)
