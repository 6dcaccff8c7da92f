# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The device side of the link layer: protocol 1 (ENQ/ACK/NAK) and protocol 2.

A :class:`Wire` adds byte faults and baud-rate pacing to a transport; the answer
memory is one :class:`LinkState` shared by every connection, as on a real device.
"""

import collections
import logging
import threading
import time

from ..errors import FrameError
from ..frames import (
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
from ..trace import request_hex
from .codes import split_code

_logger = logging.getLogger(__name__)

POLL = 0.05
JOURNAL_SIZE = 10_000
BITS_PER_BYTE = 10


class InterByteTimeout(Exception):
    """The next byte of a frame did not arrive in time; the frame is dropped."""


class Wire:
    """A transport seen through the fault switches and the baud-rate pacing.

    ``port`` has ``read(timeout)`` returning bytes (empty on timeout, EOFError
    when closed) and ``write(data)``.
    """

    def __init__(self, port, faults, baud=0, name="wire"):
        self.port = port
        self.faults = faults
        self.baud = baud
        self.name = name
        self._buffer = collections.deque()

    def read_byte(self, timeout):
        """Return the next byte, or None when none arrives within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            data = self.port.read(remaining)
            for delay, byte in self.faults.shape(data, "in"):
                if delay:
                    time.sleep(delay)
                self._buffer.append(byte)
        return self._buffer.popleft()

    def read_exact(self, count, byte_timeout):
        out = bytearray()
        for _index in range(count):
            byte = self.read_byte(byte_timeout)
            if byte is None:
                raise InterByteTimeout(f"Frame stopped after {len(out)} bytes")
            out.append(byte)
        return bytes(out)

    def wire_time(self, count):
        return count * BITS_PER_BYTE / self.baud if self.baud else 0.0

    def pace_in(self, started, count):
        """Wait until ``count`` bytes begun at ``started`` would have arrived."""
        remaining = started + self.wire_time(count) - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def write(self, data):
        if self.faults.silent:
            return
        _logger.debug("-> %s", data.hex(" "))
        chunk = bytearray()
        for delay, byte in self.faults.shape(data, "out"):
            if delay:
                self._send(chunk)
                chunk = bytearray()
                time.sleep(delay)
            chunk.append(byte)
        self._send(chunk)

    def _send(self, chunk):
        if chunk:
            time.sleep(self.wire_time(len(chunk)))
            self.port.write(bytes(chunk))


class LinkState:
    """What the device remembers between frames, whatever connection they use."""

    def __init__(self, byte_timeout=0.1, ff_after_ack=False):
        self.lock = threading.RLock()
        self.byte_timeout = byte_timeout
        self.ff_after_ack = ff_after_ack
        self.pending = None
        self.last_number = None
        self.last_answer = None
        self.journal = collections.deque(maxlen=JOURNAL_SIZE)

    def record(self, wire, payload, received):
        """Journal one executed command; the caller fills in ``answered``."""
        entry = {
            "code": f"{split_code(payload)[0]:X}",
            "connection": wire.name,
            "received": received,
            "answered": None,
        }
        with self.lock:
            self.journal.append(entry)
        return entry


class PendingAnswer:
    """An answer frame waiting to be sent or acknowledged (protocol 1)."""

    def __init__(self, frame, ready_at, owner, fault, entry):
        self.frame = frame
        self.ready_at = ready_at
        self.owner = owner
        self.sent = False
        self.fault = fault
        self.entry = entry

    def write_to(self, wire, frame=None):
        wire.write(frame or self.frame)
        self.entry["answered"] = self.entry["answered"] or time.time()


class Protocol:
    """A link protocol of the device: it serves wires for one device and state."""

    def __init__(self, device, faults, state):
        self.device = device
        self.faults = faults
        self.state = state

    def _read_frame(self, wire, reader):
        """Read the rest of a frame with ``reader``, each byte in the byte timeout."""
        return reader(lambda count: wire.read_exact(count, self.state.byte_timeout))

    def _answer_delay(self, code, fault):
        """Seconds the device works on ``code``, a delay fault included."""
        delay = self.device.answer_delays.get(code, 0.0)
        if fault and fault.action == "delay":
            delay += fault.seconds
        return delay


class Protocol1(Protocol):
    """Standard Shtrih-M link: ENQ answers NAK (idle) or ACK (answer pending)."""

    def serve(self, wire):
        """Serve ``wire`` until its transport closes (EOFError or OSError)."""
        while True:
            self._send_due_answer(wire)
            byte = wire.read_byte(POLL)
            if byte is None or self.faults.silent:
                continue
            if byte == ENQ:
                self._on_enq(wire)
            elif byte == STX:
                self._on_frame(wire)
            elif byte == ACK:
                self._on_ack()

    def _ack(self, wire):
        wire.write(bytes([ACK, 0xFF]) if self.state.ff_after_ack else bytes([ACK]))

    def _on_enq(self, wire):
        with self.state.lock:
            pending = self.state.pending
            if pending is None:
                wire.write(bytes([NAK]))
                return
            self._ack(wire)
            pending.owner = wire
            pending.fault = None
            if pending.sent:
                pending.write_to(wire)

    def _on_ack(self):
        with self.state.lock:
            if self.state.pending and self.state.pending.sent:
                self.state.pending = None

    def _on_frame(self, wire):
        started, received = time.monotonic(), time.time()
        try:
            payload = self._read_frame(wire, read_frame1)
        except InterByteTimeout as error:
            _logger.debug("Frame dropped: %s", error)
            return
        except FrameError as error:
            _logger.debug("NAK: %s", error)
            wire.write(bytes([NAK]))
            return
        wire.pace_in(started, len(payload) + 3)
        self._ack(wire)
        _logger.debug("<- %s", request_hex(payload))
        entry = self.state.record(wire, payload, received)
        answer = self.device.execute(payload)
        code = split_code(payload)[0]
        fault = self.faults.take_answer_fault(code)
        ready_at = time.monotonic() + self._answer_delay(code, fault)
        with self.state.lock:
            if fault and fault.action == "lose":
                self.state.pending = None
                return
            self.state.pending = PendingAnswer(
                encode_frame1(answer), ready_at, wire, fault, entry
            )

    def _send_due_answer(self, wire):
        with self.state.lock:
            pending = self.state.pending
            if (
                pending is None
                or pending.sent
                or pending.owner is not wire
                or time.monotonic() < pending.ready_at
            ):
                return
            pending.sent = True
            action = pending.fault.action if pending.fault else None
            if action == "drop":
                return
            frame = pending.frame
            if action == "corrupt":
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            pending.write_to(wire, frame)


class Protocol2(Protocol):
    """Protocol 2: numbered frames; a repeated number returns the cached answer."""

    def serve(self, wire):
        """Serve ``wire`` until its transport closes (EOFError or OSError)."""
        while True:
            byte = wire.read_byte(POLL)
            if byte is None or self.faults.silent or byte != STX2:
                continue
            started, received = time.monotonic(), time.time()
            try:
                number, payload = self._read_frame(wire, read_frame2)
            except (InterByteTimeout, FrameError) as error:
                _logger.debug("Protocol 2 frame dropped: %s", error)
                continue
            wire.pace_in(started, len(payload) + 7)
            self._answer(wire, number, payload, received)

    def _answer(self, wire, number, payload, received):
        fault = entry = None
        with self.state.lock:
            if not payload:
                reply_number = self.state.last_number or 0
                answer = self.state.last_answer or b""
            elif number == self.state.last_number:
                reply_number, answer = number, self.state.last_answer
            else:
                entry = self.state.record(wire, payload, received)
                answer = self.device.execute(payload)
                code = split_code(payload)[0]
                fault = self.faults.take_answer_fault(code)
                self.state.last_number, self.state.last_answer = number, answer
                reply_number = number
                delay = self._answer_delay(code, fault)
                if delay:
                    time.sleep(delay)
        frame = encode_frame2(reply_number, answer)
        action = fault.action if fault else None
        if action in ("drop", "lose"):
            return
        if action == "corrupt":
            frame = frame[:-1] + bytes([frame[-1] ^ 0x01])
        wire.write(frame)
        if entry:
            entry["answered"] = time.time()
