# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Client of the emulator's control channel (JSON lines over TCP on loopback).

Each call opens a short connection, sends one request and returns the reply.
"""

import json
import socket

from ..errors import KktError


class ControlError(KktError):
    """The emulator refused a control request or could not be reached."""


class EmulatorControl:
    """Switch faults, paper, clock and FN conditions of a running emulator.

    ``address`` is ``tcp://127.0.0.1:PORT`` as the emulator prints it, or a
    ``(host, port)`` pair.
    """

    def __init__(self, address, timeout=10.0):
        if isinstance(address, str):
            host, port = address.removeprefix("tcp://").rsplit(":", 1)
            address = (host, int(port))
        self.address = address
        self.timeout = timeout
        self.pid = None

    def call(self, cmd, **params):
        """Send one request; return the reply dict or raise :class:`ControlError`."""
        request = json.dumps({"cmd": cmd, **params}).encode() + b"\n"
        try:
            with socket.create_connection(self.address, self.timeout) as sock:
                sock.sendall(request)
                with sock.makefile("rb") as stream:
                    line = stream.readline()
        except OSError as error:
            raise ControlError(f"Emulator control {self.address}: {error}") from error
        if not line:
            raise ControlError(f"Emulator control {self.address} closed without reply")
        reply = json.loads(line)
        if not reply.pop("ok", False):
            raise ControlError(f"Emulator refused {cmd}: {reply.get('error')}")
        return reply

    def state(self):
        """Mode, submode, shift, FD counter, documents, counters, faults."""
        return self.call("state")

    def documents(self):
        """Summaries of the documents in the FN, oldest first."""
        return self.state()["documents"]

    def document(self, number):
        """One document with its top-level TLVs as ``[tag, hex]`` pairs."""
        return self.call("document", number=number)["document"]

    def journal(self, clear=False):
        """The commands executed so far (at most 10 000), oldest first.

        Each is a dict with ``code`` ("FF45"), ``connection`` ("tcp-1", "pty"),
        ``received`` and ``answered`` as POSIX times; ``answered`` stays None
        when the answer was never sent. Lets a test prove two clients never
        interleaved their commands.
        """
        return self.call("journal", clear=clear)["journal"]

    def counter(self, code):
        """How many times the command ``code`` (e.g. 0xFF45) was executed."""
        return self.state()["counters"].get(f"{code:X}", 0)

    def byte_fault(self, kind, count=1, seconds=0.0, direction="out"):
        """Drop, corrupt or delay the next ``count`` bytes sent ("out") or read."""
        self.call(
            "byte_fault", kind=kind, count=count, seconds=seconds, direction=direction
        )

    def answer_fault(self, code, action, count=1, seconds=0.0):
        """Drop, corrupt, delay or lose the answer to the next ``code`` command."""
        self.call(
            "answer_fault", code=code, action=action, count=count, seconds=seconds
        )

    def lose_answer(self, code, count=1):
        """Execute the next ``code`` command and forget its answer entirely."""
        self.answer_fault(code, "lose", count)

    def clear_faults(self):
        """Remove every fault, the silence and the busy count."""
        self.call("clear_faults")

    def silent(self, on=True):
        """Ignore every byte (``on``) or answer again."""
        self.call("silent", on=on)

    def busy(self, count):
        """Answer error 50h to the next ``count`` commands without running them."""
        self.call("busy", count=count)

    def paper_out(self):
        """Take the paper out; a print in progress stops."""
        self.call("paper", present=False)

    def paper_loaded(self):
        """Load paper; the device then waits for B0h if a print stopped."""
        self.call("paper", present=True)

    def advance_clock(self, hours=0.0, seconds=0.0):
        """Move the device clock forward; return the new offset."""
        return self.call("clock", advance_hours=hours, advance_seconds=seconds)

    def set_clock_offset(self, seconds):
        """Put the device clock ``seconds`` away from real time (may be negative)."""
        return self.call("clock", offset=seconds)

    def set_ofd_rate(self, rate):
        """Documents acknowledged by the OFD per second (0: never)."""
        self.call("ofd_rate", rate=rate)

    def block_30_days(self, on=True):
        """Refuse receipts with error 14h, as after 30 days without the OFD."""
        self.call("block_30_days", on=on)

    def fn_exhausted(self, on=True):
        """Refuse every new document with error 12h (FN full)."""
        self.call("fn_exhausted", on=on)

    def set_warnings(self, flags):
        """FN warning flags (bit0 replace urgently ... bit3 OFD timeout)."""
        self.call("warnings", flags=flags)

    def set_print_time(self, seconds, code=None):
        """Seconds a print takes, for the command ``code`` or for all."""
        self.call("print_time", seconds=seconds, code=code)

    def set_answer_delay(self, code, seconds):
        """How long the device works on ``code`` before its answer is ready."""
        self.call("answer_delay", code=code, seconds=seconds)

    def ff_after_ack(self, on=True):
        """Send 0xFF after every ACK, as some network devices do."""
        self.call("ff_after_ack", on=on)

    def set_vat_mode(self, mode):
        """Setting T17F71: 1 books 20 % as 22 % from 2026, 2 uses codes as sent."""
        self.call("vat_mode", mode=mode)

    def reset_counters(self):
        """Set the counters of executed commands back to zero."""
        self.call("reset_counters")
