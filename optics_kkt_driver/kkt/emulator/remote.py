# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Server side of the control channel: one JSON request in, one JSON reply out.

A request is ``{"cmd": NAME, ...params}``; the reply is ``{"ok": true, ...}`` or
``{"ok": false, "error": TEXT}``. :mod:`kkt.emulator.control` is the client.
"""

from .faults import command_code


class Remote:
    """Turn control requests into changes of a running emulator."""

    def __init__(self, device, faults, link_state):
        self.device = device
        self.faults = faults
        self.link_state = link_state

    def handle(self, request):
        name = request.pop("cmd")
        method = getattr(self, f"cmd_{name}", None)
        if method is None:
            return {"ok": False, "error": f"Unknown control command {name!r}"}
        try:
            result = method(**request)
        except ValueError as error:
            return {"ok": False, "error": str(error)}
        reply = {"ok": True}
        reply.update(result or {})
        return reply

    def _changed(self):
        self.device.save()

    def cmd_ping(self):
        return {"pong": True}

    def cmd_state(self):
        return self.device.snapshot()

    def cmd_journal(self, clear=False):
        with self.link_state.lock:
            entries = list(self.link_state.journal)
            if clear:
                self.link_state.journal.clear()
        return {"journal": entries}

    def cmd_document(self, number):
        with self.device.lock:
            document = self.device.fn.find(int(number))
            if document is None:
                raise ValueError(f"No document number {number}")
            return {"document": document.detail()}

    def cmd_byte_fault(self, kind, count=1, seconds=0.0, direction="out"):
        self.faults.add_byte_fault(kind, int(count), float(seconds), direction)

    def cmd_answer_fault(self, code, action, count=1, seconds=0.0):
        self.faults.add_answer_fault(code, action, int(count), float(seconds))

    def cmd_clear_faults(self):
        self.faults.clear()

    def cmd_silent(self, on=True):
        self.faults.silent = bool(on)

    def cmd_busy(self, count):
        self.faults.busy = int(count)

    def cmd_paper(self, present):
        self.device.set_paper(bool(present))

    def cmd_clock(self, advance_hours=0.0, advance_seconds=0.0, offset=None):
        with self.device.lock:
            if offset is not None:
                self.device.clock.offset = float(offset)
            self.device.clock.advance(float(advance_hours), float(advance_seconds))
        self._changed()
        return {"offset": self.device.clock.offset}

    def cmd_ofd_rate(self, rate):
        with self.device.lock:
            self.device.fn.drain()
            self.device.fn.ofd_rate = float(rate)
        self._changed()

    def cmd_block_30_days(self, on=True):
        with self.device.lock:
            self.device.fn.forced_block = bool(on)
        self._changed()

    def cmd_fn_exhausted(self, on=True):
        with self.device.lock:
            self.device.fn.exhausted = bool(on)
        self._changed()

    def cmd_warnings(self, flags):
        with self.device.lock:
            self.device.fn.forced_warnings = int(flags) & 0xFF
        self._changed()

    def cmd_print_time(self, seconds, code=None):
        with self.device.lock:
            if code is None:
                self.device.print_time = float(seconds)
            else:
                self.device.print_times[command_code(code)] = float(seconds)

    def cmd_answer_delay(self, code, seconds):
        with self.device.lock:
            self.device.answer_delays[command_code(code)] = float(seconds)

    def cmd_ff_after_ack(self, on=True):
        self.link_state.ff_after_ack = bool(on)

    def cmd_vat_mode(self, mode):
        if int(mode) not in (1, 2):
            raise ValueError("VAT mode (setting T17F71) is 1 or 2")
        with self.device.lock:
            self.device.vat_mode = int(mode)
        self._changed()

    def cmd_reset_counters(self):
        with self.device.lock:
            self.device.counters.clear()
