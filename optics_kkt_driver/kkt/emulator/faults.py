# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Faults a test switches on in a running emulator: byte and answer faults.

Byte faults act on the next N bytes in one direction; answer faults act on the
answer to the next command with a given code. Every fault is used up once done.
"""

import threading
from dataclasses import dataclass

BYTE_KINDS = ("drop", "corrupt", "delay")
ANSWER_ACTIONS = ("drop", "corrupt", "delay", "lose")
DIRECTIONS = ("out", "in")


@dataclass
class ByteFault:
    kind: str
    count: int
    seconds: float = 0.0
    direction: str = "out"


@dataclass
class AnswerFault:
    """What happens to the answer of a command.

    ``drop`` keeps the answer pending, so an ENQ (protocol 1) or a repeated packet
    number (protocol 2) still fetches it; ``lose`` forgets it after executing;
    ``corrupt`` sends it with a broken checksum; ``delay`` sends it late.
    """

    action: str
    count: int = 1
    seconds: float = 0.0


def command_code(value):
    """Accept 0xFF45, 65349, "FF45" or "0xff45" and return the integer code.

    >>> command_code("FF45") == command_code(0xFF45) == 65349
    True
    """
    if isinstance(value, str):
        return int(value.lower().removeprefix("0x"), 16)
    return int(value)


class Faults:
    """The fault switches shared by the link layer and the device."""

    def __init__(self):
        self._lock = threading.Lock()
        self._byte_faults = []
        self._answer_faults = {}
        self.silent = False
        self.busy = 0

    def add_byte_fault(self, kind, count, seconds=0.0, direction="out"):
        if kind not in BYTE_KINDS or direction not in DIRECTIONS or count < 1:
            raise ValueError(f"Bad byte fault {kind!r} x{count} {direction!r}")
        with self._lock:
            self._byte_faults.append(ByteFault(kind, count, seconds, direction))

    def add_answer_fault(self, code, action, count=1, seconds=0.0):
        if action not in ANSWER_ACTIONS or count < 1:
            raise ValueError(f"Bad answer fault {action!r} x{count}")
        with self._lock:
            self._answer_faults.setdefault(command_code(code), []).append(
                AnswerFault(action, count, seconds)
            )

    def clear(self):
        with self._lock:
            self._byte_faults.clear()
            self._answer_faults.clear()
            self.silent = False
            self.busy = 0

    def take_answer_fault(self, code):
        """Use one answer fault planned for ``code``, or return None."""
        with self._lock:
            planned = self._answer_faults.get(code)
            if not planned:
                return None
            fault = planned[0]
            fault.count -= 1
            if fault.count == 0:
                planned.pop(0)
            return fault

    def take_busy(self):
        with self._lock:
            if self.busy > 0:
                self.busy -= 1
                return True
            return False

    def shape(self, data, direction):
        """Apply byte faults to ``data``; return ``[(delay_seconds, byte), ...]``.

        >>> faults = Faults()
        >>> faults.add_byte_fault("drop", 1)
        >>> faults.add_byte_fault("corrupt", 1)
        >>> faults.shape(b"\\x06\\x02\\x03", "out")
        [(0.0, 253), (0.0, 3)]
        """
        shaped = []
        with self._lock:
            for byte in data:
                fault = next(
                    (f for f in self._byte_faults if f.direction == direction), None
                )
                if fault is None:
                    shaped.append((0.0, byte))
                    continue
                fault.count -= 1
                if fault.count == 0:
                    self._byte_faults.remove(fault)
                if fault.kind == "corrupt":
                    shaped.append((0.0, byte ^ 0xFF))
                elif fault.kind == "delay":
                    shaped.append((fault.seconds, byte))
        return shaped

    def snapshot(self):
        with self._lock:
            return {
                "silent": self.silent,
                "busy": self.busy,
                "byte_faults": [vars(f).copy() for f in self._byte_faults],
                "answer_faults": {
                    f"{code:X}": [vars(f).copy() for f in faults]
                    for code, faults in self._answer_faults.items()
                    if faults
                },
            }
