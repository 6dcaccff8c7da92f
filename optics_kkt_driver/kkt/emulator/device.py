# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The KKT state machine: modes, submodes, printing, paper, checks and saving.

:meth:`Device.execute` takes a command payload and returns the answer payload;
the link layer around it never looks inside.
"""

import collections
import json
import logging
import os
import threading
import time

from .clock import DAY
from .codes import (
    ACCESS,
    E_AWAIT_CONTINUE,
    E_INTERNAL,
    E_NO_PAPER,
    E_PARAMS,
    E_PASSWORD,
    E_PRINTING,
    E_UNKNOWN,
    MODE_DOCUMENT,
    MODE_NAMES,
    MODE_SHIFT_CLOSED,
    MODE_SHIFT_EXPIRED,
    MODE_SHIFT_OPEN,
    SUBMODE_AWAIT_CONTINUE,
    SUBMODE_IDLE,
    SUBMODE_PAPER_OUT,
    SUBMODE_PAPER_OUT_PRINTING,
    SUBMODE_PRINTING,
    SYSADMIN_PASSWORD,
    CommandError,
    split_code,
)
from .command_set import COMMANDS, CommandSet
from .fields import ParamError, Request
from .fn import FnError
from .receipts import OpenReceipt

_logger = logging.getLogger(__name__)


class Device(CommandSet):
    """An emulated Shtrih-M KKT with its FN.

    :meth:`execute`, :meth:`set_paper` and :meth:`snapshot` take the device
    lock, so the link threads and the control channel see one consistent
    device. The command handlers below them run under that lock.
    """

    def __init__(self, fn, clock, faults, print_time=0.05, state_path=None):
        self.fn = fn
        self.clock = clock
        self.faults = faults
        self.print_time = print_time
        self.print_times = {}
        self.answer_delays = {}
        self.extended_answers = False
        self.state_path = state_path
        self.lock = threading.RLock()
        self._save_lock = threading.Lock()
        self.counters = collections.Counter()
        self.receipt = None
        self.pending_tlvs = []
        self.beginning = None
        self.paper = True
        self.print_pending = False
        self.printing_until = 0.0
        self.vat_mode = 1
        self.tlv_chunks = []

    def load_state(self, data):
        """Restore the device part of a saved state (the FN is restored apart)."""
        receipt = data.get("receipt")
        self.receipt = OpenReceipt.from_dict(receipt) if receipt else None
        self.pending_tlvs = data.get("pending_tlvs", [])
        self.beginning = data.get("beginning")
        self.paper = data.get("paper", True)
        self.print_pending = data.get("print_pending", False)
        self.vat_mode = data.get("vat_mode", 1)
        self.clock.offset = data.get("clock_offset", 0.0)

    def state_dict(self):
        return {
            "fn": self.fn.to_dict(),
            "device": {
                "receipt": self.receipt.to_dict() if self.receipt else None,
                "pending_tlvs": self.pending_tlvs,
                "beginning": self.beginning,
                "paper": self.paper,
                "print_pending": self.print_pending,
                "vat_mode": self.vat_mode,
                "clock_offset": self.clock.offset,
            },
        }

    def save(self):
        """Write the state file atomically, when the emulator has one."""
        if not self.state_path:
            return
        with self._save_lock:
            with self.lock:
                text = json.dumps(self.state_dict(), indent=1)
            temporary = f"{self.state_path}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, self.state_path)

    def mode(self):
        if self.receipt:
            return MODE_DOCUMENT | (self.receipt.kind << 4)
        if self.fn.shift_open:
            return MODE_SHIFT_EXPIRED if self.shift_expired() else MODE_SHIFT_OPEN
        return MODE_SHIFT_CLOSED

    def submode(self):
        if self.print_pending:
            return SUBMODE_AWAIT_CONTINUE if self.paper else SUBMODE_PAPER_OUT_PRINTING
        if time.monotonic() < self.printing_until:
            return SUBMODE_PRINTING
        if not self.paper:
            return SUBMODE_PAPER_OUT
        return SUBMODE_IDLE

    def shift_expired(self):
        return self.fn.shift_open and self.clock.now() - self.fn.shift_opened_at >= DAY

    def set_paper(self, present):
        """Take the paper out (a print in progress stops) or load it again."""
        with self.lock:
            if not present and time.monotonic() < self.printing_until:
                self.printing_until = 0.0
                self.print_pending = True
            self.paper = present
        self.save()

    def execute(self, payload):
        """Run one command payload and return its answer payload."""
        with self.lock:
            answer, spec = self._execute(payload)
        if spec and not spec.query:
            self.save()
        return answer

    def _execute(self, payload):
        code, size = split_code(payload)
        head = payload[:size]
        spec = COMMANDS.get(code)
        if spec is None:
            return head + bytes([E_UNKNOWN]), None
        if self.faults.take_busy():
            return head + bytes([E_PRINTING]), None
        self.counters[code] += 1
        self.fn.drain()
        request = Request(payload, size)
        try:
            operator = self._check_access(spec, request)
            self._check_submode(spec)
            data = getattr(self, spec.handler)(request, operator) or b""
        except ParamError:
            return head + bytes([E_PARAMS]), spec
        except (CommandError, FnError) as error:
            return head + bytes([error.code]), spec
        except Exception:
            _logger.exception("Command %s failed inside the emulator", payload.hex(" "))
            return head + bytes([E_INTERNAL]), spec
        return head + b"\x00" + data, spec

    def _check_access(self, spec, request):
        if spec.access == "none":
            return SYSADMIN_PASSWORD
        password = request.uint(4)
        if password not in ACCESS[spec.access]:
            raise CommandError(E_PASSWORD)
        return password

    def _check_submode(self, spec):
        if spec.query:
            return
        submode = self.submode()
        if submode == SUBMODE_PRINTING:
            raise CommandError(E_PRINTING)
        if submode == SUBMODE_AWAIT_CONTINUE and spec.handler != "continue_printing":
            raise CommandError(E_AWAIT_CONTINUE)
        if spec.prints and submode in (SUBMODE_PAPER_OUT, SUBMODE_PAPER_OUT_PRINTING):
            raise CommandError(E_NO_PAPER)

    def _print(self, code):
        if self.paper:
            seconds = self.print_times.get(code, self.print_time)
            self.printing_until = time.monotonic() + seconds
        else:
            self.print_pending = True

    def _now(self):
        return self.clock.now()

    def snapshot(self):
        """Everything a test may want to assert, as plain JSON data."""
        with self.lock:
            self.fn.drain()
            now = self._now()
            mode, submode = self.mode(), self.submode()
            receipt = self.receipt
            return {
                "mode": mode,
                "mode_name": MODE_NAMES[mode & 0x0F],
                "submode": submode,
                "paper": self.paper,
                "clock": {"now": now, "offset": self.clock.offset},
                "shift": {
                    "open": self.fn.shift_open,
                    "number": self.fn.shift_number,
                    "receipt_number": self.fn.receipt_number,
                    "opened_at": self.fn.shift_opened_at,
                    "expired": bool(self.shift_expired()),
                },
                "receipt": {
                    "kind": receipt.kind,
                    "items": len(receipt.items),
                    "total": receipt.total,
                }
                if receipt
                else None,
                "fd": self.fn.last_number,
                "unsent": len(self.fn.unsent()),
                "ofd_rate": self.fn.ofd_rate,
                "ofd_blocked": self.fn.ofd_blocked(now),
                "fn_exhausted": self.fn.exhausted,
                "warnings": self.fn.warnings(now),
                "vat_mode": self.vat_mode,
                "documents": [doc.summary() for doc in self.fn.documents],
                "counters": {f"{code:X}": n for code, n in self.counters.items()},
                "faults": self.faults.snapshot(),
            }
