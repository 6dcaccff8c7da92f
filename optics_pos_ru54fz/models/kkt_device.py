# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Operations on cash registers: the per-minute device check with its alerts,
call traces, the daily shift reconciliation and trace purge jobs, and what the
POS screen needs (why a sale is blocked, status and shift actions)."""

import logging
import time
from datetime import datetime, timedelta, timezone

from odoo import _, _lt, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.optics_kkt_driver.kkt.errors import KktError
from odoo.addons.optics_kkt_driver.kkt.receipt import ReceiptError
from odoo.addons.optics_kkt_driver.models.kkt_device import KKT_OPERATIONS

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "optics_pos_ru54fz."
OFD_BLOCK_DAYS = 30
SHIFT_LIMIT_HOURS = 24
ALERT_ACTIVITY_TYPE = "mail.mail_activity_data_warning"
CHECK_KEY_PREFIX = "ru54fz-device-check-"
POS_OPERATIONS = ("open_shift", "x_report", "close_shift")
ALERT_LABELS = {
    "ofd_overdue": _lt("Documents close to the 30-day OFD limit"),
    "fn_warnings": _lt("FN warnings"),
    "shift_over_24h": _lt("Shift open for more than 24 hours"),
    "blocked": _lt("Cash register blocked"),
    "offline": _lt("Cash register offline"),
}


class KktDevice(models.Model):
    _name = "kkt.device"
    _inherit = ["kkt.device", "mail.thread", "mail.activity.mixin"]

    ru54fz_alert_codes = fields.Char(
        string="Raised Alerts",
        readonly=True,
        copy=False,
        help="Conditions POS managers were already alerted about; an alert is "
        "raised again only after its condition cleared.",
    )
    ru54fz_alerts_text = fields.Text(
        string="Active Alerts", compute="_compute_ru54fz_alerts_text"
    )
    ru54fz_trace_ids = fields.One2many(
        "kkt.device.trace", "device_id", string="Call Traces", readonly=True
    )
    ru54fz_reconciliation_ids = fields.One2many(
        "ru54fz.shift.reconciliation",
        "device_id",
        string="Shift Reconciliations",
        readonly=True,
    )

    @api.depends("ru54fz_alert_codes")
    def _compute_ru54fz_alerts_text(self):
        for device in self:
            codes = filter(None, (device.ru54fz_alert_codes or "").split(","))
            device.ru54fz_alerts_text = "\n".join(
                str(ALERT_LABELS.get(code, code)) for code in codes
            )

    def ru54fz_pos_refresh(self):
        """Read the device status and return what the POS indicator shows.

        A device that does not answer is not an error here: the returned state
        says it is offline.
        """
        self.ensure_one()
        try:
            self._kkt_refresh_status()
        except KktError as error:
            _logger.info("Status of KKT %s not read: %s", self.name, error.message)
        self.invalidate_recordset()
        return self._kkt_pos_payload()

    def ru54fz_pos_action(self, operation):
        """Run a shift operation asked for from the POS screen.

        :param operation: one of ``open_shift``, ``x_report``, ``close_shift``
        :return: the indicator state after the operation, with ``error`` set to
            the device's message when it refused
        :raises AccessError: the user is not a POS manager
        """
        self.ensure_one()
        if operation not in POS_OPERATIONS:
            raise UserError(_("Unknown cash register operation %s.", operation))
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                _("Only POS managers may open or close the shift and print reports.")
            )
        kwargs = {} if operation == "x_report" else {"cashier_name": self.env.user.name}
        error = ""
        # Lock the row first: a request Odoo replays after a concurrent update
        # then never repeats a shift command the device already ran.
        self._kkt_lock_record()
        try:
            self._kkt_call(operation, **kwargs)
        except KktError as exc:
            error = self._kkt_error_text(exc)
        state = self.ru54fz_pos_refresh()
        state["error"] = error
        return state

    @api.model
    def _ru54fz_cron_check_devices(self):
        """Enqueue one device check per active device on root.critical.

        The identity key holds the device and the minute, and a device whose
        previous check has not finished gets none, so checks never pile up.
        """
        minute = fields.Datetime.now().strftime("%Y%m%d%H%M")
        for device in self.search([("active", "=", True)]):
            if device._ru54fz_check_in_queue():
                continue
            device.with_delay(
                channel="root.critical",
                identity_key=f"{CHECK_KEY_PREFIX}{device.id}-{minute}",
                max_retries=2,
                description=_("Check cash register %s", device.name),
            )._ru54fz_check_device()

    @api.model
    def _ru54fz_cron_daily(self):
        """Enqueue the daily jobs on root.default: one shift reconciliation per
        active device and one purge of old traces."""
        day = fields.Date.today().strftime("%Y%m%d")
        for device in self.search([("active", "=", True)]):
            device.with_delay(
                channel="root.default",
                identity_key=f"ru54fz-reconcile-{device.id}-{day}",
                max_retries=6,
                description=_("Reconcile the shifts of %s", device.name),
            )._ru54fz_reconcile_shifts()
        self.browse().with_delay(
            channel="root.default",
            identity_key=f"ru54fz-purge-traces-{day}",
            max_retries=3,
            description=_("Remove old cash register traces"),
        )._ru54fz_purge_traces()

    def _ru54fz_check_in_queue(self):
        self.ensure_one()
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("identity_key", "=like", f"{CHECK_KEY_PREFIX}{self.id}-%"),
                    ("state", "in", ("pending", "enqueued", "started")),
                ],
                limit=1,
            )
        )

    def _ru54fz_check_device(self):
        """Job: refresh the device status and alert POS managers on trouble.

        Alerts (a message and an activity per POS manager) are raised once per
        condition: OFD documents close to the 30-day block, FN warnings, a
        shift over 24 hours, a blocked device, a device offline for longer
        than the grace period. A device that cannot be read is not an error of
        the job. Idempotent: running it twice raises no second alert.
        """
        self.ensure_one()
        try:
            status = self._kkt_call("status")
        except KktError as error:
            _logger.info("KKT %s (id %s): check failed: %s", self.name, self.id, error)
            conditions = self._ru54fz_link_conditions()
            evaluated = {"offline"}
        else:
            conditions = self._ru54fz_status_conditions(status)
            evaluated = set(ALERT_LABELS)
        self._ru54fz_update_alerts(conditions, evaluated)

    def _ru54fz_status_conditions(self, status):
        """Return ``{code: message}`` for the troubles in a fresh status."""
        conditions = {}
        alert_days = self._ru54fz_int_param("ofd_alert_days", 20)
        oldest = self.ofd_oldest_unsent
        if self.ofd_unsent_count and oldest:
            age = self._ru54fz_device_now(status) - oldest
            if age >= timedelta(days=alert_days):
                conditions["ofd_overdue"] = _(
                    "%(count)s fiscal documents are not confirmed by the OFD; the "
                    "oldest is %(days)s days old. At %(limit)s days the cash "
                    "register stops selling: check its connection to the OFD.",
                    count=self.ofd_unsent_count,
                    days=age.days,
                    limit=OFD_BLOCK_DAYS,
                )
        if self.warnings_text:
            conditions["fn_warnings"] = _(
                "The fiscal storage (FN) reports: %s", self.warnings_text
            )
        if self.shift_open and (
            self.shift_expired or self.shift_age_hours >= SHIFT_LIMIT_HOURS
        ):
            conditions["shift_over_24h"] = _(
                "Shift %(shift)s is open for more than %(hours)s hours: close it "
                "with a Z report before the next sale.",
                shift=self.shift_number,
                hours=SHIFT_LIMIT_HOURS,
            )
        if self.blocked_reason and not conditions:
            conditions["blocked"] = _(
                "The cash register is blocked: %s", self.blocked_reason
            )
        return conditions

    def _ru54fz_link_conditions(self):
        """Return the offline alert when the device stayed offline too long."""
        grace = self._ru54fz_int_param("device_offline_grace", 5)
        self.invalidate_recordset(["offline_since", "last_error"])
        since = self.offline_since
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        if since and now - since >= timedelta(minutes=grace):
            return {
                "offline": _(
                    "The cash register has not answered for more than %(minutes)s "
                    "minutes (last error: %(error)s). Receipts wait in the queue "
                    "until it is back.",
                    minutes=grace,
                    error=self.last_error or "-",
                )
            }
        return {}

    def _ru54fz_device_now(self, status):
        """Return the device clock's time as naive UTC, or the server's time
        when the status carries no clock reading."""
        device_time = getattr(status, "device_datetime", None)
        if not device_time:
            return fields.Datetime.now()
        return self._kkt_device_time_to_utc(device_time)

    def _ru54fz_update_alerts(self, conditions, evaluated):
        """Alert on new conditions, forget cleared ones (so they alert again)."""
        self.ensure_one()
        raised = set(filter(None, (self.ru54fz_alert_codes or "").split(",")))
        for code, message in conditions.items():
            if code not in raised:
                self._ru54fz_alert(message)
        still_raised = {code for code in raised if code not in evaluated}
        still_raised.update(conditions)
        new_codes = ",".join(sorted(still_raised))
        if new_codes != (self.ru54fz_alert_codes or ""):
            self.sudo().ru54fz_alert_codes = new_codes

    def _ru54fz_alert(self, message):
        """Post ``message`` on the device and give each POS manager an activity."""
        device = self.sudo()
        device.message_post(body=message, subtype_xmlid="mail.mt_note")
        for user in self._ru54fz_pos_managers():
            device.activity_schedule(
                ALERT_ACTIVITY_TYPE,
                summary=_("Cash register %s needs attention", device.name),
                note=message,
                user_id=user.id,
            )
        _logger.warning("KKT %s (id %s): alert: %s", self.name, self.id, message)

    def _ru54fz_pos_managers(self):
        group = self.env.ref("point_of_sale.group_pos_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search([("groups_id", "in", group.id), ("share", "=", False)])
        )

    def _ru54fz_int_param(self, name, default):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + name)
        try:
            return int(value) if value else default
        except ValueError:
            return default

    def _kkt_call(self, operation, *args, **kwargs):
        """Record a trace line (operation, duration, outcome) for every call."""
        started = time.monotonic()
        try:
            result = super()._kkt_call(operation, *args, **kwargs)
        except ReceiptError as error:
            self._ru54fz_trace(operation, started, "invalid", str(error))
            raise
        except KktError as error:
            outcome = "retry" if error.retryable else "person"
            self._ru54fz_trace(operation, started, outcome, error.message)
            raise
        self._ru54fz_trace(operation, started, "ok")
        return result

    def _ru54fz_trace(self, operation, started, outcome, message=None):
        self.env["kkt.device.trace"].sudo().create(
            {
                "device_id": self.id,
                "operation": operation,
                "duration_ms": int((time.monotonic() - started) * 1000),
                "outcome": outcome,
                "message": (message or "")[:250] or False,
            }
        )

    def _ru54fz_reconcile_shifts(self):
        """Job: compare every closed shift not reconciled yet with Odoo's orders.

        For each shift (FN serial and shift number of the orders fiscalised on
        this device), totals per VAT rate and payment type of Odoo's orders are
        compared with the receipts on the KKT; a shift with differences gets a
        message and activities for POS managers. Idempotent: a shift is
        reconciled once. The shift still open on the device is left for later.
        """
        self.ensure_one()
        try:
            self._kkt_call("status")
        except KktError as error:
            _logger.info(
                "KKT %s (id %s): reconciling with the last known status: %s",
                self.name,
                self.id,
                error,
            )
        reconciliations = self.env["ru54fz.shift.reconciliation"].sudo()
        done = {
            (record.fn_serial, record.shift_number)
            for record in reconciliations.search([("device_id", "=", self.id)])
        }
        groups = (
            self.env["pos.order"]
            .sudo()
            ._read_group(
                [
                    ("kkt_device_id", "=", self.id),
                    ("fiscal_state", "=", "sent"),
                    ("fiscal_fn_serial", "!=", False),
                    ("fiscal_shift_number", "!=", 0),
                ],
                ["fiscal_fn_serial", "fiscal_shift_number"],
                ["id:recordset"],
            )
        )
        for fn_serial, shift_number, orders in sorted(groups, key=lambda g: g[:2]):
            if (fn_serial, shift_number) in done or self._ru54fz_shift_is_open(
                fn_serial, shift_number
            ):
                continue
            values = reconciliations._compare_orders(self, orders)
            reconciliation = reconciliations.create(
                dict(
                    values,
                    device_id=self.id,
                    fn_serial=fn_serial,
                    shift_number=shift_number,
                )
            )
            if reconciliation.state == "difference":
                self._ru54fz_alert(
                    _(
                        "Shift %(shift)s (FN %(fn)s): the KKT totals differ from "
                        "Odoo's.\n%(lines)s",
                        shift=shift_number,
                        fn=fn_serial,
                        lines=reconciliation.difference_text,
                    )
                )

    def _ru54fz_shift_is_open(self, fn_serial, shift_number):
        """Whether the shift may still take receipts, by the last known status."""
        return (
            fn_serial == self.fn_serial
            and shift_number >= self.shift_number
            and (self.shift_open or shift_number > self.shift_number)
        )

    def _ru54fz_read_document(self, fd_number):
        """Return FN document ``fd_number`` as ``(tag, value)`` pairs, or None
        when this driver version or the device cannot give it now."""
        if not fd_number or "read_document" not in KKT_OPERATIONS:
            return None
        try:
            return self._kkt_call("read_document", fd_number)
        except KktError as error:
            _logger.info(
                "KKT %s (id %s): FD %s not read: %s",
                self.name,
                self.id,
                fd_number,
                error,
            )
            return None

    @api.model
    def _ru54fz_purge_traces(self):
        """Job: delete call traces older than the retention period.

        Touches only ``kkt.device.trace``; fiscal data on orders is never
        removed. Idempotent.
        """
        days = self._ru54fz_int_param("trace_retention_days", 30)
        removed = self.env["kkt.device.trace"].sudo()._purge(days)
        _logger.info(
            "Removed %s cash register traces older than %s days", removed, days
        )
        return removed

    def _kkt_pos_payload(self):
        payload = super()._kkt_pos_payload()
        payload["problems"] = self._ru54fz_sale_problems()
        return payload

    def _ru54fz_sale_problems(self):
        """Return why the device cannot take a receipt now, with what to do.

        A list of at most one problem (the first that blocks sales), empty when a
        sale can be fiscalised. A device offline for less than its grace period
        is not a problem yet: the receipt waits in the queue and prints when the
        link returns.
        """
        self.ensure_one()
        if self.shift_expired:
            return [
                {
                    "code": "shift_expired",
                    "message": _(
                        "The shift has been open for more than 24 hours; the cash "
                        "register refuses sales."
                    ),
                    "action": _(
                        "Close the shift (Z report) and open a new one in the cash "
                        "register panel, or ask a manager to."
                    ),
                }
            ]
        if self.link_state == "blocked":
            return [
                {
                    "code": "blocked",
                    "message": _(
                        "Cash register %(device)s refuses receipts: %(reason)s",
                        device=self.name,
                        reason=self.blocked_reason or self.last_error or "-",
                    ),
                    "action": _(
                        "Fix what the cash register reports (paper, fiscal storage "
                        "or OFD connection; call the administrator for the last "
                        "two), then press Refresh in the cash register panel."
                    ),
                }
            ]
        if self.link_state == "offline" and self._ru54fz_offline_too_long():
            return [
                {
                    "code": "offline",
                    "message": _(
                        "Cash register %(device)s has not answered for more than "
                        "%(minutes)s minutes.",
                        device=self.name,
                        minutes=self.offline_grace_minutes,
                    ),
                    "action": _(
                        "Check its power and cable, then press Refresh in the cash "
                        "register panel (click the indicator in the top bar)."
                    ),
                }
            ]
        return []

    def _ru54fz_offline_too_long(self):
        grace = timedelta(minutes=self.offline_grace_minutes or 0)
        now = fields.Datetime.now()
        # The link table keeps microseconds, Odoo's now() does not.
        since = (self.offline_since or now).replace(microsecond=0)
        return now - since >= grace
