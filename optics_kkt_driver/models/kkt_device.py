# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Russian online cash register (KKT) as Odoo sees it: settings, last known
status, and the one guarded entry point for device I/O (lock + circuit breaker).
"""

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

import psycopg2.errors
import pytz

from odoo import _, _lt, api, fields, models, sql_db
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..kkt.errors import KktError, LinkError
from ..kkt.receipt import ReceiptError
from ..kkt.session import KktSession

_logger = logging.getLogger(__name__)

KKT_OPERATIONS = (
    "status",
    "fn_status",
    "fiscalise",
    "refund",
    "open_shift",
    "close_shift",
    "x_report",
    "find_receipt",
    "read_document",
)

# First key of the PostgreSQL advisory lock of a device ("KKTD"); the second
# key is the device id.
LOCK_NAMESPACE = 0x4B4B5444

LINK_FIELDS = [
    "link_state",
    "link_failures",
    "offline_since",
    "link_retry_at",
    "last_error",
    "last_error_at",
    "last_check_at",
]

LINK_STATES = [
    ("unknown", "Not checked yet"),
    ("online", "Online"),
    ("offline", "Offline"),
    ("blocked", "Blocked"),
]

TAX_SYSTEM_SELECTION = [
    ("osn", "General (OSN)"),
    ("usn_income", "Simplified, income (USN)"),
    ("usn_income_outcome", "Simplified, income minus expenses (USN)"),
    ("envd", "Imputed income (ENVD)"),
    ("esn", "Unified agricultural tax (ESKhN)"),
    ("patent", "Patent (PSN)"),
]

FN_WARNINGS = {
    "replace_urgent": _lt("The FN must be replaced urgently."),
    "resource_low": _lt("The FN resource is running out (less than 30 days left)."),
    "archive_90": _lt("The FN archive is more than 90 percent full."),
    "ofd_timeout": _lt("The OFD has not confirmed documents in time."),
}

# Passwords are sent as unsigned 32-bit numbers.
MAX_PASSWORD = 2**32 - 1
# How far the device clock may be off before the device shows a warning.
CLOCK_TOLERANCE = timedelta(minutes=5)
DEFAULT_DEVICE_TZ = "Europe/Moscow"


class DeviceBusy(KktError):
    """Another worker kept the device longer than this call may wait for it."""

    retryable = True


class DeviceUnavailable(KktError):
    """The circuit breaker of the device is open: the call failed fast, no I/O."""

    retryable = True


class KktDevice(models.Model):
    _name = "kkt.device"
    _description = "Cash Register (KKT)"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    connection_url = fields.Char(
        string="Connection",
        required=True,
        default="socket://127.0.0.1:7778",
        help="Where the cash register listens: socket://host:port for a network "
        "KKT, a serial device such as /dev/ttyS0, or rfc2217://host:port for a "
        "serial port shared over the network.",
    )
    protocol = fields.Selection(
        [("1", "Protocol 1 (STX frames)"), ("2", "Protocol 2 (numbered packets)")],
        string="Protocol Framing",
        required=True,
        default="1",
        help="Protocol 2 makes a repeated command safe: the cash register answers "
        "a repeated packet from its cache instead of running it again.",
    )
    operator_password = fields.Integer(
        default=30,
        groups="point_of_sale.group_pos_manager",
        help="Password the driver uses for receipts (cashiers 1-28, "
        "administrator 29, system administrator 30), from 0 to 4294967295.",
    )
    admin_password = fields.Integer(
        default=30,
        groups="point_of_sale.group_pos_manager",
        help="Password the driver uses for shift reports and settings "
        "(system administrator 30 by default), from 0 to 4294967295.",
    )
    tax_system = fields.Selection(
        TAX_SYSTEM_SELECTION,
        required=True,
        default="osn",
        help="Tax system printed on receipts (tag 1055); it must be one the cash "
        "register was registered with.",
    )
    tz = fields.Selection(
        _tz_get,
        string="Device Clock Time Zone",
        required=True,
        default=lambda self: self._default_tz(),
        help="Time zone of the cash register clock; the device reports local "
        "times. Defaults to the company's time zone, else Moscow time.",
    )
    pos_config_ids = fields.One2many(
        "pos.config", "kkt_device_id", string="Points of Sale"
    )
    timeout_scale = fields.Float(
        default=1.0,
        help="Multiplies every wait of the driver, the wait for the first reply "
        "byte included. Keep 1 for a real cash register (raise it for a slow "
        "link); values below 1 are for tests with the emulator.",
    )
    lock_timeout = fields.Integer(
        string="Wait for Device (s)",
        default=30,
        help="How long a call waits while another worker talks to the cash "
        "register before it gives up and is retried later.",
    )
    breaker_threshold = fields.Integer(
        string="Failures Before Pause",
        default=3,
        help="Consecutive link failures after which calls fail fast for the pause.",
    )
    breaker_cooldown = fields.Integer(
        string="Pause After Failures (s)",
        default=30,
        help="How long calls fail fast once the link failed repeatedly; after the "
        "pause one trial call goes through.",
    )
    offline_grace_minutes = fields.Integer(
        string="Offline Grace (min)",
        default=15,
        help="How long the point of sale keeps selling while the cash register "
        "is offline; receipts wait in the queue meanwhile.",
    )

    mode_text = fields.Char(string="Mode", compute="_compute_device_texts")
    mode_text_en = fields.Char(string="Mode (English)", readonly=True)
    mode_text_ru = fields.Char(string="Mode (Russian)", readonly=True)
    shift_open = fields.Boolean(readonly=True)
    shift_expired = fields.Boolean(
        string="Shift Over 24 h",
        readonly=True,
        help="The shift is open for more than 24 hours: close it with a Z report.",
    )
    shift_number = fields.Integer(readonly=True)
    shift_opened_at = fields.Datetime(readonly=True)
    shift_age_hours = fields.Float(
        string="Shift Age (h)", compute="_compute_shift_age_hours", digits=(16, 1)
    )
    receipt_open = fields.Boolean(readonly=True)
    paper_out = fields.Boolean(readonly=True)
    fn_serial = fields.Char(string="FN Serial", readonly=True)
    fn_expiry = fields.Date(string="FN Expiry", readonly=True)
    fn_warning_codes = fields.Char(string="FN Warning Codes", readonly=True)
    warnings_text = fields.Text(string="Warnings", compute="_compute_warnings_text")
    last_fd_number = fields.Integer(string="Last FD Number", readonly=True)
    ofd_unsent_count = fields.Integer(string="Unsent to OFD", readonly=True)
    ofd_first_unsent_fd = fields.Integer(string="First Unsent FD", readonly=True)
    ofd_oldest_unsent = fields.Datetime(string="Oldest Unsent", readonly=True)
    model_name = fields.Char(string="Model", readonly=True)
    serial_number = fields.Char(string="Device Serial", readonly=True)
    blocked_reason = fields.Char(compute="_compute_device_texts")
    blocked_reason_en = fields.Char(string="Blocked Reason (English)", readonly=True)
    blocked_reason_ru = fields.Char(string="Blocked Reason (Russian)", readonly=True)
    status_checked_at = fields.Datetime(string="Status Read At", readonly=True)
    clock_offset = fields.Integer(
        string="Device Clock Ahead By (s)",
        readonly=True,
        help="How far the cash register clock was ahead of the server clock at the "
        "last status; negative when behind. Fiscal documents carry the cash "
        "register's time, so keep it within a few minutes.",
    )

    link_state = fields.Selection(
        LINK_STATES,
        compute="_compute_link",
        search="_search_link_state",
        help="Result of the last call to the cash register, shared by all workers.",
    )
    link_failures = fields.Integer(
        string="Link Failures in a Row", compute="_compute_link"
    )
    offline_since = fields.Datetime(compute="_compute_link")
    link_retry_at = fields.Datetime(
        string="Calls Paused Until",
        compute="_compute_link",
        help="While set, calls fail at once without talking to the cash register.",
    )
    last_error = fields.Text(compute="_compute_link")
    last_error_at = fields.Datetime(compute="_compute_link")
    last_check_at = fields.Datetime(string="Last Call At", compute="_compute_link")

    _sql_constraints = [
        (
            "lock_timeout_positive",
            "CHECK(lock_timeout > 0)",
            "The wait for the device must be at least one second.",
        ),
        (
            "breaker_threshold_positive",
            "CHECK(breaker_threshold > 0)",
            "At least one failure must be allowed before calls are paused.",
        ),
        (
            "breaker_cooldown_positive",
            "CHECK(breaker_cooldown > 0)",
            "The pause after failures must be at least one second.",
        ),
    ]

    @api.model
    def _default_tz(self):
        return self.env.company.partner_id.tz or DEFAULT_DEVICE_TZ

    @api.constrains("operator_password", "admin_password")
    def _check_passwords(self):
        for device in self.sudo():
            for name in ("operator_password", "admin_password"):
                if not 0 <= device[name] <= MAX_PASSWORD:
                    raise ValidationError(
                        _(
                            "The %(field)s of cash register %(device)s must be a "
                            "number from 0 to %(max)s (cashiers 1-28, "
                            "administrator 29, system administrator 30).",
                            field=device._fields[name].string,
                            device=device.name,
                            max=MAX_PASSWORD,
                        )
                    )

    def init(self):
        # Shared link state lives outside the ORM table: it is written in short
        # transactions of its own, never in the caller's, so it survives the
        # caller's rollback and never waits for a row lock the caller holds.
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS kkt_device_link (
                device_id integer PRIMARY KEY,
                state varchar NOT NULL,
                failures integer NOT NULL DEFAULT 0,
                offline_since timestamp,
                open_until timestamp,
                last_error text,
                last_error_ru text,
                last_error_at timestamp,
                checked_at timestamp NOT NULL
            )
            """
        )

    @api.depends("shift_open", "shift_opened_at", "clock_offset")
    def _compute_shift_age_hours(self):
        now = fields.Datetime.now()
        for device in self:
            if device.shift_open and device.shift_opened_at:
                device_now = now + timedelta(seconds=device.clock_offset)
                age = device_now - device.shift_opened_at
                device.shift_age_hours = age.total_seconds() / 3600
            else:
                device.shift_age_hours = 0.0

    @api.depends_context("lang")
    @api.depends("fn_warning_codes", "clock_offset")
    def _compute_warnings_text(self):
        for device in self:
            lines = []
            for code in filter(None, (device.fn_warning_codes or "").split(",")):
                lines.append(str(FN_WARNINGS.get(code, code)))
            offset = timedelta(seconds=device.clock_offset)
            if abs(offset) > CLOCK_TOLERANCE:
                lines.append(
                    _(
                        "The KKT clock is %(minutes)s minutes off: check the "
                        "device time and the device time zone setting.",
                        minutes=round(offset.total_seconds() / 60),
                    )
                )
            device.warnings_text = "\n".join(lines)

    @api.depends_context("lang")
    @api.depends(
        "mode_text_en", "mode_text_ru", "blocked_reason_en", "blocked_reason_ru"
    )
    def _compute_device_texts(self):
        russian = self._kkt_user_reads_russian()
        for device in self:
            if russian:
                device.mode_text = device.mode_text_ru or device.mode_text_en
                device.blocked_reason = (
                    device.blocked_reason_ru or device.blocked_reason_en
                )
            else:
                device.mode_text = device.mode_text_en
                device.blocked_reason = device.blocked_reason_en

    @api.depends_context("lang")
    def _compute_link(self):
        rows = self._kkt_link_rows()
        russian = self._kkt_user_reads_russian()
        for device in self:
            row = rows.get(device.id, {})
            device.link_state = row.get("state", "unknown")
            device.link_failures = row.get("failures", 0)
            device.offline_since = row.get("offline_since")
            device.link_retry_at = row.get("open_until")
            device.last_error = row.get("last_error_ru" if russian else "last_error")
            device.last_error_at = row.get("last_error_at")
            device.last_check_at = row.get("checked_at")

    def _search_link_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise NotImplementedError(_("Unsupported search on the link state."))
        states = {value} if isinstance(value, str) else set(value or ())
        if operator in ("!=", "not in"):
            states = {state for state, _label in LINK_STATES} - states
        with self._kkt_link_cursor() as cr:
            cr.execute("SELECT device_id, state FROM kkt_device_link")
            known = dict(cr.fetchall())
        matching = [device_id for device_id, state in known.items() if state in states]
        if "unknown" in states:
            return ["|", ("id", "in", matching), ("id", "not in", list(known))]
        return [("id", "in", matching)]

    def unlink(self):
        device_ids = self.ids
        result = super().unlink()
        with self._kkt_link_cursor() as cr:
            cr.execute(
                "DELETE FROM kkt_device_link WHERE device_id = ANY(%s)", (device_ids,)
            )
        return result

    def action_kkt_test_connection(self):
        """Read the device status and show what the device says."""
        self.ensure_one()
        self._kkt_lock_record()
        try:
            status = self._kkt_refresh_status()
        except KktError as error:
            return self._kkt_notification(self._kkt_error_text(error), "danger")
        message = _(
            "%(model)s %(serial)s answers: %(mode)s.",
            model=status.model_name or _("Cash register"),
            serial=status.serial_number or "",
            mode=self.mode_text,
        )
        if self.blocked_reason:
            return self._kkt_notification(
                f"{message}\n{self.blocked_reason}", "warning"
            )
        return self._kkt_notification(message, "success")

    def action_kkt_open_shift(self):
        """Open a shift on the device in the current user's name."""
        self.ensure_one()
        return self._kkt_run_action(
            "open_shift",
            lambda report: _(
                "Shift %(shift)s is open (FD %(fd)s).",
                shift=report.shift_number,
                fd=report.fd_number,
            ),
            cashier_name=self.env.user.name,
        )

    def action_kkt_x_report(self):
        """Print an X report (shift totals so far; the shift stays open)."""
        self.ensure_one()
        return self._kkt_run_action("x_report", lambda _result: _("X report printed."))

    def action_kkt_close_shift(self):
        """Close the shift with a Z report in the current user's name."""
        self.ensure_one()
        return self._kkt_run_action(
            "close_shift",
            lambda report: _(
                "Shift %(shift)s is closed, Z report printed (FD %(fd)s).",
                shift=report.shift_number,
                fd=report.fd_number,
            ),
            cashier_name=self.env.user.name,
        )

    def _kkt_run_action(self, operation, describe, **kwargs):
        self._kkt_lock_record()
        try:
            result = self._kkt_call(operation, **kwargs)
        except KktError as error:
            if not error.retryable:
                self._kkt_refresh_status_quietly()
            return self._kkt_notification(self._kkt_error_text(error), "danger")
        message = describe(result)
        try:
            self._kkt_refresh_status()
        except KktError as error:
            message = _(
                "%(done)s The status could not be read afterwards: %(error)s",
                done=message,
                error=self._kkt_error_text(error),
            )
            return self._kkt_notification(message, "warning")
        return self._kkt_notification(message, "success")

    def _kkt_refresh_status_quietly(self):
        """Refresh the status after a refused command, so that the form shows
        the device's real state; a failure here is already recorded."""
        try:
            self._kkt_refresh_status()
        except KktError as error:
            _logger.info(
                "KKT %s (id %s): status not refreshed: %s", self.name, self.id, error
            )

    def _kkt_lock_record(self):
        """Lock the device row before any I/O of a button.

        A concurrent update then makes Odoo replay the request now, before the
        command reached the device, rather than after it (a second Z report).
        """
        self.env.cr.execute(
            "SELECT id FROM kkt_device WHERE id = %s FOR UPDATE", (self.id,)
        )

    def _kkt_notification(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.name,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _kkt_error_text(self, error):
        """Return the message of a driver error in the user's language."""
        if self._kkt_user_reads_russian():
            return error.message_ru
        return error.message

    def _kkt_user_reads_russian(self):
        return (self.env.lang or "").startswith("ru")

    def _kkt_refresh_status(self):
        """Read the status from the device, store it and tell the points of sale.

        :return: the ``DeviceStatus`` read
        :raises KktError: the device could not be read (already recorded)
        """
        return self._kkt_call("status")

    def _kkt_call(self, operation, *args, **kwargs):
        """Run one ``KktSession`` method on this device, guarded for all workers.

        Fails fast while the circuit breaker is open, then takes the per-device
        lock, opens a session, calls ``operation`` and records the outcome (link
        state, last error, and the status fields after a ``status`` call).
        Whether it is safe to repeat is up to the operation: ``fiscalise`` and
        ``refund`` are, shift operations are not.

        :param operation: one of :data:`KKT_OPERATIONS`
        :return: what the session method returns
        :raises DeviceUnavailable: the breaker is open; nothing was sent
        :raises DeviceBusy: another worker held the device too long
        :raises KktError: the driver's error, with ``retryable`` telling its kind
        """
        self.ensure_one()
        if operation not in KKT_OPERATIONS:
            raise ValueError(f"Unknown KKT operation {operation!r}")
        self._kkt_breaker_admit(claim_trial=False)
        with self._kkt_device_lock():
            self._kkt_breaker_admit(claim_trial=True)
            try:
                result = self._kkt_session_call(operation, args, kwargs)
            except ReceiptError:
                raise
            except KktError as error:
                self._kkt_record_failure(error)
                failure = error
            else:
                self._kkt_record_success(operation, result)
                failure = None

        # The device record is written only once the lock is released: a
        # worker waiting for the lock may hold the record's row lock.
        if failure:
            _logger.warning(
                "KKT %s (id %s): %s failed: %s", self.name, self.id, operation, failure
            )
            self._kkt_notify_pos_now()
            raise failure
        if operation == "status":
            self._kkt_store_status(result)
            self._kkt_notify_pos()
        return result

    def _kkt_store_status(self, status):
        """Write the status fields that changed, unless another transaction is
        writing the device row: the next status call refreshes them then.

        Concurrent fiscal jobs of one device all read its status; waiting for
        each other's row lock would only end in serialization failures.
        """
        device = self.sudo()
        changed = {}
        for name, value in device._kkt_status_values(status).items():
            field = device._fields[name]
            new = field.convert_to_record(field.convert_to_cache(value, device), device)
            if new != device[name]:
                changed[name] = value
        if not changed:
            return
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "SELECT id FROM kkt_device WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                    (self.id,),
                    log_exceptions=False,
                )
                device.write(changed)
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ):
            _logger.info(
                "KKT %s (id %s): status not stored, another transaction is "
                "writing the device",
                self.name,
                self.id,
            )

    def _kkt_session_call(self, operation, args, kwargs):
        device = self.sudo()
        _logger.debug("KKT %s (id %s): %s", device.name, device.id, operation)
        with KktSession.connect(
            device.connection_url,
            protocol=int(device.protocol),
            password=device.operator_password,
            admin_password=device.admin_password,
            device_name=device.name,
            timeout_scale=device.timeout_scale or 1.0,
        ) as session:
            return getattr(session, operation)(*args, **kwargs)

    @contextmanager
    def _kkt_device_lock(self):
        """Hold the device's advisory lock for the duration of the block.

        The lock lives in a transaction of its own connection, so it does not
        depend on the caller's transaction and is released as soon as the block
        ends (or the process dies).

        :raises DeviceBusy: the lock was not free within ``lock_timeout``
        """
        with self._kkt_link_cursor() as cr:
            cr.execute(
                "SELECT set_config('lock_timeout', %s, true)",
                (f"{max(self.lock_timeout, 1)}s",),
            )
            try:
                cr.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    (LOCK_NAMESPACE, self.id),
                    log_exceptions=False,
                )
            except psycopg2.errors.LockNotAvailable:
                raise self._kkt_error(
                    DeviceBusy,
                    _lt(
                        "Cash register %(device)s is busy with another operation "
                        "for more than %(seconds)s s; the call will be retried.",
                        device=self.name,
                        seconds=self.lock_timeout,
                    ),
                ) from None
            yield

    def _kkt_link_cursor(self):
        """Return a cursor on a connection of its own, for the shared link state."""
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _kkt_link_rows(self):
        if not self.ids:
            return {}
        with self._kkt_link_cursor() as cr:
            cr.execute(
                """
                SELECT device_id, state, failures, offline_since, open_until,
                       last_error, last_error_ru, last_error_at, checked_at
                  FROM kkt_device_link
                 WHERE device_id = ANY(%s)
                """,
                (list(self.ids),),
            )
            return {row["device_id"]: row for row in cr.dictfetchall()}

    def _kkt_breaker_admit(self, claim_trial):
        """Raise DeviceUnavailable while the breaker is open.

        Once the pause is over the breaker is half-open: with ``claim_trial``
        (only under the device lock) this call becomes the one trial and pushes
        the pause forward, so other workers keep failing fast until it ends.
        """
        with self._kkt_link_cursor() as cr:
            cr.execute(
                """
                SELECT open_until, open_until > (now() AT TIME ZONE 'UTC'),
                       failures
                  FROM kkt_device_link
                 WHERE device_id = %s AND open_until IS NOT NULL
                """,
                (self.id,),
            )
            row = cr.fetchone()
            if not row:
                return
            open_until, still_open, failures = row
            if still_open:
                raise self._kkt_unavailable(open_until, failures)
            if claim_trial:
                cr.execute(
                    """
                    UPDATE kkt_device_link
                       SET open_until = (now() AT TIME ZONE 'UTC')
                                        + make_interval(secs => %s)
                     WHERE device_id = %s
                    """,
                    (self.breaker_cooldown, self.id),
                )
                _logger.info(
                    "KKT %s (id %s): trial call after a pause", self.name, self.id
                )
        self.invalidate_recordset(LINK_FIELDS)

    def _kkt_unavailable(self, open_until, failures):
        until = fields.Datetime.context_timestamp(self, open_until)
        return self._kkt_error(
            DeviceUnavailable,
            _lt(
                "Cash register %(device)s did not answer %(failures)s times in a "
                "row. Calls are paused until %(until)s, then one trial call is "
                "made.",
                device=self.name,
                failures=failures,
                until=until.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
            ),
        )

    def _kkt_error(self, error_class, text):
        """Return ``error_class`` carrying ``text`` (an ``_lt``) in English and
        Russian, like the driver's own errors, whatever languages are active."""
        return error_class(
            self._kkt_render(text, "en_US"), self._kkt_render(text, "ru_RU")
        )

    def _kkt_render(self, text, lang):
        # Odoo looks up the language of a lazy text in the caller's local
        # ``context``, which bypasses the check that the language is active.
        context = {"lang": lang}  # noqa: F841
        return str(text)

    def _kkt_record_failure(self, error):
        """Store a failed call in the shared link state; a link failure counts
        towards opening the breaker, an error the device answered with does not.
        """
        if isinstance(error, LinkError):
            self._kkt_record_link_failure(error)
        else:
            self._kkt_write_link("online" if error.retryable else "blocked", error)

    def _kkt_record_link_failure(self, error):
        with self._kkt_link_cursor() as cr:
            now = self._kkt_db_now(cr)
            cr.execute(
                """
                INSERT INTO kkt_device_link AS link
                       (device_id, state, failures, offline_since, open_until,
                        last_error, last_error_ru, last_error_at, checked_at)
                VALUES (%(device)s, 'offline', 1, %(now)s,
                        CASE WHEN 1 >= %(threshold)s THEN %(pause_end)s END,
                        %(error)s, %(error_ru)s, %(now)s, %(now)s)
                ON CONFLICT (device_id) DO UPDATE
                   SET state = 'offline',
                       failures = link.failures + 1,
                       offline_since = COALESCE(link.offline_since, %(now)s),
                       open_until = CASE
                           WHEN link.failures + 1 >= %(threshold)s
                           THEN %(pause_end)s
                       END,
                       last_error = %(error)s,
                       last_error_ru = %(error_ru)s,
                       last_error_at = %(now)s,
                       checked_at = %(now)s
                RETURNING failures, open_until
                """,
                {
                    "device": self.id,
                    "now": now,
                    "threshold": self.breaker_threshold,
                    "pause_end": now + timedelta(seconds=self.breaker_cooldown),
                    "error": error.message,
                    "error_ru": error.message_ru,
                },
            )
            failures, open_until = cr.fetchone()
        self.invalidate_recordset(LINK_FIELDS)
        if open_until:
            _logger.warning(
                "KKT %s (id %s): %s link failures in a row, calls paused until %s",
                self.name,
                self.id,
                failures,
                open_until,
            )

    def _kkt_write_link(self, state, error=None):
        """Store an answered call: the breaker closes; ``error`` (a KktError the
        device answered with) becomes the last error, otherwise it is kept."""
        with self._kkt_link_cursor() as cr:
            cr.execute(
                """
                INSERT INTO kkt_device_link AS link
                       (device_id, state, failures, last_error, last_error_ru,
                        last_error_at, checked_at)
                VALUES (%(device)s, %(state)s, 0, %(error)s, %(error_ru)s,
                        CASE WHEN %(has_error)s THEN %(now)s END, %(now)s)
                ON CONFLICT (device_id) DO UPDATE
                   SET state = %(state)s,
                       failures = 0,
                       offline_since = NULL,
                       open_until = NULL,
                       last_error = CASE WHEN %(has_error)s THEN %(error)s
                                         ELSE link.last_error END,
                       last_error_ru = CASE WHEN %(has_error)s THEN %(error_ru)s
                                            ELSE link.last_error_ru END,
                       last_error_at = CASE WHEN %(has_error)s THEN %(now)s
                                            ELSE link.last_error_at END,
                       checked_at = %(now)s
                """,
                {
                    "device": self.id,
                    "state": state,
                    "has_error": error is not None,
                    "error": error.message if error else None,
                    "error_ru": error.message_ru if error else None,
                    "now": self._kkt_db_now(cr),
                },
            )
        self.invalidate_recordset(LINK_FIELDS)

    def _kkt_db_now(self, cr):
        cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        return cr.fetchone()[0]

    def _kkt_record_success(self, operation, result):
        """Store a successful call in the shared link state."""
        blocked = operation == "status" and result.blocked_reason
        self._kkt_write_link("blocked" if blocked else "online")

    def _kkt_status_values(self, status):
        now = fields.Datetime.now()
        return {
            "mode_text_en": status.mode_text,
            "mode_text_ru": status.mode_text_ru,
            "shift_open": status.shift_open,
            "shift_expired": status.shift_expired,
            "shift_number": status.shift_number,
            "shift_opened_at": self._kkt_device_time_to_utc(status.shift_opened_at),
            "receipt_open": status.receipt_open,
            "paper_out": status.paper_out,
            "fn_serial": status.fn_serial,
            "fn_expiry": status.fn_expiry,
            "fn_warning_codes": ",".join(status.fn_warnings or ()),
            "last_fd_number": status.last_fd_number,
            "ofd_unsent_count": status.ofd_unsent_count,
            "ofd_first_unsent_fd": status.ofd_first_unsent_fd,
            "ofd_oldest_unsent": self._kkt_device_time_to_utc(status.ofd_oldest_unsent),
            "model_name": status.model_name,
            "serial_number": status.serial_number,
            "blocked_reason_en": status.blocked_reason,
            "blocked_reason_ru": status.blocked_reason_ru,
            "status_checked_at": now,
            "clock_offset": self._kkt_clock_offset(status.device_datetime, now),
        }

    def _kkt_clock_offset(self, device_datetime, now):
        if not device_datetime:
            return 0
        device_now = self._kkt_device_time_to_utc(device_datetime)
        return round((device_now - now).total_seconds())

    def _kkt_device_time_to_utc(self, value):
        """Convert a time read from the device clock to naive UTC for storage."""
        if not value:
            return False
        if not isinstance(value, datetime):
            value = datetime.combine(value, datetime.min.time())
        if value.tzinfo is None:
            value = pytz.timezone(self.tz or "UTC").localize(value)
        return value.astimezone(pytz.utc).replace(tzinfo=None)

    def _kkt_pos_payload(self):
        """Return the device state the point of sale shows, JSON-ready."""
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "link_state": self.link_state,
            "offline_since": fields.Datetime.to_string(self.offline_since),
            "offline_grace_minutes": self.offline_grace_minutes,
            "link_retry_at": fields.Datetime.to_string(self.link_retry_at),
            "last_error": self.last_error or "",
            "mode_text": self.mode_text or "",
            "shift_open": self.shift_open,
            "shift_expired": self.shift_expired,
            "shift_number": self.shift_number,
            "shift_opened_at": fields.Datetime.to_string(self.shift_opened_at),
            "shift_age_hours": round(self.shift_age_hours, 1),
            "paper_out": self.paper_out,
            "fn_expiry": fields.Date.to_string(self.fn_expiry),
            "ofd_unsent_count": self.ofd_unsent_count,
            "ofd_oldest_unsent": fields.Datetime.to_string(self.ofd_oldest_unsent),
            "warnings": self.warnings_text or "",
            "blocked_reason": self.blocked_reason or "",
            "status_checked_at": fields.Datetime.to_string(self.status_checked_at),
            "clock_offset": self.clock_offset,
        }

    def _kkt_notify_pos(self):
        """Send the device state to the open POS sessions of linked configs.

        The notification goes out when the current transaction commits.
        """
        sessions = (
            self.env["pos.session"]
            .sudo()
            .search(
                [
                    ("config_id.kkt_device_id", "in", self.ids),
                    ("state", "!=", "closed"),
                    ("access_token", "!=", False),
                ]
            )
        )
        payloads = {device.id: device._kkt_pos_payload() for device in self.sudo()}
        messages = [
            (
                session._get_bus_channel_name(),
                "KKT_DEVICE_STATUS",
                payloads[session.config_id.kkt_device_id.id],
            )
            for session in sessions
        ]
        if messages:
            self.env["bus.bus"].sudo()._sendmany(messages)

    def _kkt_notify_pos_now(self):
        """Notify the points of sale from a transaction of its own, so a failure
        reaches them even when the caller's transaction is rolled back."""
        with self.env.registry.cursor() as cr:
            device = self.with_env(self.env(cr=cr)).exists()
            # A device created in the caller's uncommitted transaction has no
            # POS session listening yet.
            if device:
                device._kkt_notify_pos()
