# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal pipeline of POS orders: jobs enqueued when an order is paid, the
exactly-once fiscal job, retries up to a dead letter, the fiscal data, and what
the POS screen sees of it (order export, buyer contact, live fiscal state).
"""

import hashlib
import json
import logging
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import float_compare, float_is_zero

from odoo.addons.optics_kkt_driver.kkt.errors import KktError
from odoo.addons.optics_kkt_driver.kkt.receipt import ReceiptError
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError

from .fiscal_receipt_builder import receipt_mark, to_kopecks

_logger = logging.getLogger(__name__)

MAX_FISCAL_ATTEMPTS = 20
FISCAL_DATA_FIELDS = (
    "fiscal_fd_number",
    "fiscal_sign",
    "fiscal_fn_serial",
    "fiscal_shift_number",
    "fiscal_receipt_number",
    "fiscal_datetime",
    "fiscal_qr",
    "fiscal_request",
    "fiscal_answer",
)
# Writes of these fields change what the POS screen shows; the fiscal job
# writes the attempt counter when it starts printing.
POS_SCREEN_FIELDS = FISCAL_DATA_FIELDS + (
    "fiscal_state",
    "fiscal_attempts",
    "fiscal_search_from_fd",
    "fiscal_last_error",
)
FISCAL_JOB = "_ru54fz_fiscalise"
# Orders whose screens are told of their new data when the transaction commits.
NOTIFY_KEY = "optics_pos_ru54fz.notify_order_ids"
FOLLOW_UP_DAYS_PARAM = "optics_pos_ru54fz.payment_follow_up_days"
DEFAULT_FOLLOW_UP_DAYS = 7
PAID_STATES = ("paid", "done", "invoiced")
RETRY_STATES = ("failed", "dead_letter", "needs_attention")
MANAGER_GROUP = "point_of_sale.group_pos_manager"
FISCAL_ACTIVITY = "optics_pos_ru54fz.mail_activity_type_fiscal_receipt"
TODO_ACTIVITY = "mail.mail_activity_data_todo"
FOLLOW_UP_ACTIVITY = "optics_pos_ru54fz.mail_activity_type_payment_follow_up"
# Job states in which the fiscal job of a ``to_send`` order is still coming.
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
# SQLSTATE classes of a lost or refused database connection (08: connection
# exception, 53: insufficient resources, 57: operator intervention); psycopg2
# gives no code at all when the connection itself failed.
DB_OUTAGE_CLASSES = ("08", "53", "57")


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "mail.thread", "mail.activity.mixin"]

    fiscal_state = fields.Selection(
        [
            ("to_send", "To send"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("dead_letter", "Dead letter"),
            ("not_required", "Not required"),
            ("needs_attention", "Needs attention"),
        ],
        readonly=True,
        copy=False,
        index=True,
        help="To send: the fiscal job is queued. Failed: the KKT refused it for a "
        "reason a person must fix (e.g. closed shift); it keeps retrying. Dead "
        "letter: it failed too often and waits for a manager's Retry. Needs "
        "attention: the order cannot become a receipt as it is. Not required: "
        "the POS has no KKT.",
    )
    kkt_device_id = fields.Many2one(
        "kkt.device",
        string="Cash Register (KKT)",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The KKT this order's fiscal receipt is printed on, taken from the "
        "POS when the order was paid.",
    )
    fiscal_buyer_contact = fields.Char(
        string="Buyer Contact",
        copy=False,
        help="E-mail or phone (+79991234567) the buyer gave for the electronic "
        "receipt (tag 1008).",
    )
    fiscal_fd_number = fields.Integer(string="FD Number", readonly=True, copy=False)
    fiscal_sign = fields.Char(string="Fiscal Sign (FPD)", readonly=True, copy=False)
    fiscal_fn_serial = fields.Char(string="FN Serial", readonly=True, copy=False)
    fiscal_shift_number = fields.Integer(
        string="Shift Number", readonly=True, copy=False
    )
    fiscal_receipt_number = fields.Integer(
        string="Receipt Number in Shift", readonly=True, copy=False
    )
    fiscal_datetime = fields.Datetime(string="Fiscal Date", readonly=True, copy=False)
    fiscal_qr = fields.Char(string="Fiscal QR", readonly=True, copy=False)
    fiscal_request = fields.Text(readonly=True, copy=False)
    fiscal_answer = fields.Text(readonly=True, copy=False)
    fiscal_attempts = fields.Integer(readonly=True, copy=False)
    fiscal_last_error = fields.Text(readonly=True, copy=False)
    fiscal_search_from_fd = fields.Integer(
        string="Search From FD",
        readonly=True,
        copy=False,
        help="Last FD number of the KKT before the first attempt: a retry looks "
        "for this order's receipt after it instead of printing it again.",
    )
    fiscal_recovered = fields.Boolean(
        string="Found After a Failure",
        readonly=True,
        copy=False,
        help="The receipt was found in the FN after an attempt whose answer was "
        "lost, instead of being printed again.",
    )

    invoice_error = fields.Text(
        readonly=True,
        copy=False,
        help="Why the invoice of this order to invoice could not be made by its "
        "job or at the closing of its session.",
    )
    payment_follow_up_date = fields.Date(
        string="Payment Follow-up",
        readonly=True,
        copy=False,
        help="When the amount the buyer put on the customer account is due: a "
        "to-do for collecting it was scheduled for this date.",
    )

    fiscal_retry_allowed = fields.Boolean(
        compute="_compute_fiscal_retry_allowed",
        help="The fiscal receipt failed, needs a person, or waits to be sent "
        "while its fiscal job is no longer queued.",
    )

    @api.depends("fiscal_state")
    def _compute_fiscal_retry_allowed(self):
        to_send = self.filtered(lambda order: order.fiscal_state == "to_send")
        live_keys = set()
        if to_send:
            jobs = (
                self.env["queue.job"]
                .sudo()
                .search_read(
                    [
                        (
                            "identity_key",
                            "in",
                            [order._ru54fz_identity_key("fiscal") for order in to_send],
                        ),
                        ("state", "in", LIVE_JOB_STATES),
                    ],
                    ["identity_key"],
                )
            )
            live_keys = {job["identity_key"] for job in jobs}
        for order in self:
            if order.fiscal_state == "to_send":
                key = order._ru54fz_identity_key("fiscal")
                order.fiscal_retry_allowed = key not in live_keys
            else:
                order.fiscal_retry_allowed = order.fiscal_state in RETRY_STATES

    @api.model_create_multi
    def create(self, vals_list):
        return super(
            PosOrder,
            self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True),
        ).create(vals_list)

    def write(self, vals):
        self._ru54fz_check_fiscal_data_write(vals)
        result = super().write(vals)
        if any(name in vals for name in POS_SCREEN_FIELDS):
            self._ru54fz_notify_pos()
        return result

    @api.model
    def _order_fields(self, ui_order):
        values = super()._order_fields(ui_order)
        contact = ui_order.get("fiscal_buyer_contact")
        if contact:
            values["fiscal_buyer_contact"] = contact
        return values

    @api.model
    def _process_order(self, order, draft, existing_order):
        if not draft:
            self._ru54fz_check_refund_allowed(order["data"])
        if not existing_order:
            self._ru54fz_claim_new_order(order["data"])
        return super()._process_order(order, draft, existing_order)

    @api.model
    def _ru54fz_claim_new_order(self, data):
        """Make two syncs of one order that overlap in time create it once.

        Odoo skips an order it already has, but a sync running at the same time
        as the one saving it cannot see that order yet and would make a second
        one, with a second fiscal receipt. Each sync inserts the order's claim
        first: PostgreSQL makes the later one wait for the earlier, then fail
        with a serialization failure, which Odoo retries with a fresh snapshot
        where the order is found and skipped.
        """
        rounding = self.env.company.currency_id.decimal_places
        fingerprint = {
            "name": data["name"],
            "lines": sorted(
                [line[2]["product_id"], line[2]["price_unit"]]
                for line in data.get("lines") or []
            ),
            "payments": sorted(
                [payment[2]["payment_method_id"], round(payment[2]["amount"], rounding)]
                for payment in data.get("statement_ids") or []
            ),
        }
        key = hashlib.sha256(
            json.dumps(fingerprint, sort_keys=True).encode()
        ).hexdigest()
        # In a savepoint, so that Odoo's handling of the failed sync can still
        # query before the failure reaches its retry.
        with self.env.cr.savepoint(flush=False):
            self.env.cr.execute(
                "INSERT INTO ru54fz_pos_order_claim (key, claimed_at) "
                "VALUES (%s, NOW() AT TIME ZONE 'UTC') ON CONFLICT DO NOTHING",
                [key],
            )

    def _process_saved_order(self, draft):
        # The invoice is made by the order's root.high job, not during the sync
        # the cashier waits for; the receipt screen offers it once it is posted.
        result = super(
            PosOrder, self.with_context(ru54fz_defer_invoice=True)
        )._process_saved_order(draft)
        # Odoo hides errors of action_pos_order_paid during a sync: enqueue here
        # too, outside that guard, so that a paid order never misses its jobs.
        if not draft:
            self._ru54fz_enqueue_jobs()
        return result

    def _generate_pos_order_invoice(self):
        if self.env.context.get("ru54fz_defer_invoice"):
            return {}
        # The confirmation job, the closing of the session and the POS screen's
        # Invoice button may all invoice one order: one at a time, and a second
        # one sees the first one's invoice.
        self._ru54fz_lock_rows()
        result = super()._generate_pos_order_invoice()
        self.filtered(
            lambda order: order.account_move and order.invoice_error
        ).invoice_error = False
        return result

    def action_pos_order_paid(self):
        self._ru54fz_check_refund_allowed_for_lines(self.lines.refunded_orderline_id)
        result = super().action_pos_order_paid()
        self._ru54fz_enqueue_jobs()
        return result

    def _export_for_ui(self, order):
        values = super()._export_for_ui(order)
        values["ru54fz_fiscal"] = order._ru54fz_fiscal_ui_data()
        return values

    def action_ru54fz_retry_fiscal(self):
        """Queue the fiscal receipt again (managers), keeping the FD search start.

        Used on orders in dead letter, failed or needing attention once the cause
        is fixed, and on orders to send whose fiscal job stopped; a retry never
        prints a receipt that the KKT already holds.
        """
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only POS managers can retry fiscal receipts."))
        orders = self.filtered("fiscal_retry_allowed")
        if not orders:
            raise UserError(
                _(
                    "Only failed, dead-lettered or blocked fiscal receipts, or "
                    "receipts to send whose fiscal job has stopped, can be retried."
                )
            )
        for order in orders:
            order.write(
                {
                    "fiscal_state": "to_send",
                    "fiscal_attempts": 0,
                    "fiscal_last_error": False,
                    "kkt_device_id": order.kkt_device_id.id
                    or order.config_id.kkt_device_id.id,
                }
            )
            order.activity_feedback(
                [FISCAL_ACTIVITY],
                feedback=_("Fiscal receipt queued again."),
            )
            order.message_post(body=_("Fiscal receipt queued again by a manager."))
            order._ru54fz_delay_fiscal_job()
            order._ru54fz_bring_fiscal_job_forward()
            order._ru54fz_delay_notification_jobs()
        return True

    def _ru54fz_bring_fiscal_job_forward(self):
        """Run the order's fiscal job waiting for its next try now, with its
        tries counted from zero again, as the order's attempts are.

        A retried order whose job still waits (up to half an hour between late
        tries) gets no second job: the identity key keeps the waiting one.
        """
        self.ensure_one()
        waiting = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=", self._ru54fz_identity_key("fiscal")),
                    ("state", "=", "pending"),
                ]
            )
        )
        waiting.write({"eta": False, "retry": 0})

    def action_ru54fz_open_jobs(self):
        """Open the queue jobs of the order (fiscal, invoice, follow-up, e-mail,
        SMS)."""
        self.ensure_one()
        keys = [
            self._ru54fz_identity_key(kind)
            for kind in ("fiscal", "confirm", "follow_up", "invoice_email")
        ]
        domain = [
            "|",
            "|",
            ("identity_key", "in", keys),
            ("identity_key", "=like", self._ru54fz_identity_key("email") + ":%"),
            ("identity_key", "=like", self._ru54fz_identity_key("sms") + ":%"),
        ]
        return {
            "type": "ir.actions.act_window",
            "name": _("Jobs of %s", self.name),
            "res_model": "queue.job",
            "view_mode": "tree,form",
            "domain": domain,
        }

    def ru54fz_pos_retry_fiscal(self):
        """Queue the fiscal receipt again from the POS screen (managers only).

        :return: the order's fiscal data for the screen
        :raises AccessError: the user is not a POS manager
        """
        self.ensure_one()
        self.action_ru54fz_retry_fiscal()
        return self._ru54fz_fiscal_ui_data()

    @api.model
    def ru54fz_check_fiscal_payload(self, order_json):
        """Return user messages for what would stop the order's fiscal receipt.

        The payment screen calls it before validating an order, with the order
        as the POS exports it (with or without its ``data`` envelope): the same
        check the fiscal job makes, before payment is taken. Each message names
        the order line at fault. An empty list means the KKT will take it.
        """
        data = order_json.get("data", order_json)
        session = self.env["pos.session"].browse(data["pos_session_id"])
        device = session.config_id.kkt_device_id
        if not device:
            return []
        values = self._ru54fz_receipt_values_from_ui(data, device)
        builder = self.env["ru54fz.fiscal.receipt.builder"]
        messages = builder._check_lines(values)
        if messages:
            return messages
        try:
            builder._build(values)
        except ReceiptError as error:
            return [self._ru54fz_error_text(error)]
        return []

    def _ru54fz_fiscalise(self):
        """Print the order's fiscal receipt on its KKT, exactly once (job).

        Idempotent: it returns at once when the receipt is already stored, and
        after a crash or a lost answer it finds the printed receipt in the FN
        (from ``fiscal_search_from_fd``, committed before the first print)
        instead of printing it again. Each step commits in its own transaction
        while holding the order row lock.

        :raises RetryableJobError: the KKT could not print it yet; retried later.
        :raises FailedJobError: after the last attempt (the order is dead-lettered).
        """
        self.ensure_one()
        self.env.flush_all()
        attempt_counted = False
        try:
            with self._ru54fz_own_transaction() as order:
                receipt, outcome = order._ru54fz_fiscal_prepare()
            if receipt is not None:
                attempt_counted = True
                with self._ru54fz_own_transaction() as order:
                    outcome = order._ru54fz_fiscal_print(receipt)
        except psycopg2.OperationalError as error:
            if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                # Another transaction changed the order or its KKT meanwhile:
                # try again soon, without using up one of the fiscal attempts.
                raise RetryableJobError(
                    str(error), seconds=5, ignore_retry=True
                ) from error
            if not error.pgcode or error.pgcode[:2] in DB_OUTAGE_CLASSES:
                # The database was out of reach for a moment: not the order's
                # fault either (its name may not be readable now: log its id).
                _logger.warning(
                    "Fiscal receipt of pos.order %s: database unavailable: %s",
                    self.id,
                    error,
                )
                raise RetryableJobError(
                    str(error), seconds=30, ignore_retry=True
                ) from error
            raise
        except psycopg2.Error:
            raise
        except Exception as error:
            _logger.exception("Fiscal receipt of %s: unexpected error", self.name)
            with self._ru54fz_own_transaction() as order:
                outcome = order._ru54fz_fiscal_record_unexpected(error, attempt_counted)
        finally:
            self.invalidate_recordset()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _ru54fz_confirm_order(self):
        """Invoice an order to invoice and post the invoice with its payments
        (job, root.high); its e-mail to the buyer goes to a root.low job.

        Idempotent: an order already invoiced (by an earlier run, the closing of
        its session or the POS screen) is not invoiced again.

        :raises FailedJobError: the invoice cannot be made as the order is; the
            order and the POS managers are told what to fix.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._ru54fz_invoice_waiting_orders()
        except UserError as error:
            # queue_job rolls the job's transaction back: what the order and its
            # managers are told is written in a transaction of its own.
            with self._ru54fz_own_transaction() as order:
                text = order._ru54fz_record_invoice_error(error)
            raise FailedJobError(text) from error
        move = self.account_move
        if not move or move.state != "posted":
            return _("No posted invoice.")
        if not move.is_move_sent:
            self.with_delay(
                channel="root.low",
                identity_key=self._ru54fz_identity_key("invoice_email"),
                description=_("E-mail the invoice of %s", self.name),
            )._ru54fz_send_invoice()
        return _("Invoice %s posted.", move.name)

    def _ru54fz_send_invoice(self):
        """E-mail the posted invoice of the order to its customer (job, root.low).

        Idempotent: an invoice already sent is not sent again.

        :raises FailedJobError: the invoice PDF or e-mail cannot be made (for
            example no PDF engine on the server).
        """
        self.ensure_one()
        move = self.account_move
        if not move or move.state != "posted" or move.is_move_sent:
            return _("Nothing to send.")
        template = self.env.ref(move._get_mail_template())
        try:
            move.with_context(skip_invoice_sync=True)._generate_pdf_and_send_invoice(
                template
            )
        except UserError as error:
            text = _(
                "The invoice %(invoice)s of %(order)s was not e-mailed: "
                "%(error)s Send it from the invoice once the cause is fixed.",
                invoice=move.name,
                order=self.name,
                error=error.args[0] if error.args else error,
            )
            # Written apart: queue_job rolls the job's transaction back.
            with self.env.registry.cursor() as cr:
                self.with_env(self.env(cr=cr)).message_post(body=text)
            raise FailedJobError(text) from error
        return _("Invoice %s sent.", move.name)

    def _ru54fz_follow_up_payment(self):
        """Schedule collecting what the buyer put on the customer account, or,
        for a refund to the account, close the collection the refund clears
        (job, root.high).

        The order's salesperson gets an activity due after the follow-up delay
        of the settings. Idempotent: scheduled once per order.
        """
        self.ensure_one()
        amount = self._ru54fz_customer_account_amount()
        if amount < 0:
            return self._ru54fz_follow_up_refund()
        if self.payment_follow_up_date:
            return _("Already scheduled for %s.", self.payment_follow_up_date)
        if float_is_zero(amount, precision_rounding=self.currency_id.rounding):
            return _("Nothing on the customer account.")
        due = fields.Date.context_today(self) + timedelta(
            days=self._ru54fz_follow_up_days()
        )
        note = _(
            "%(partner)s owes %(amount)s for order %(order)s, paid on the customer "
            "account. Collect it by %(due)s.",
            partner=self.partner_id.display_name or _("The buyer"),
            amount=self.currency_id.format(amount),
            order=self.name,
            due=fields.Date.to_string(due),
        )
        salesperson = self.user_id
        if salesperson.share or not salesperson.active:
            salesperson = self.env.user
        self.sudo().activity_schedule(
            FOLLOW_UP_ACTIVITY,
            date_deadline=due,
            summary=_("Collect the customer account payment"),
            note=note,
            user_id=salesperson.id,
        )
        self.message_post(body=note)
        self.payment_follow_up_date = due
        return note

    def _ru54fz_follow_up_refund(self):
        """Close the collection of the orders this refund returns once their
        refunds to the customer account cover what was put on it."""
        originals = self.lines.refunded_orderline_id.order_id.filtered(
            "payment_follow_up_date"
        )
        closed = []
        for original in originals:
            refunds = self.search(
                [
                    ("lines.refunded_orderline_id.order_id", "=", original.id),
                    ("state", "in", PAID_STATES),
                ]
            )
            owed = original._ru54fz_customer_account_amount() + sum(
                refund._ru54fz_customer_account_amount() for refund in refunds
            )
            if float_compare(owed, 0, precision_rounding=self.currency_id.rounding) > 0:
                continue
            original.sudo().activity_feedback(
                [FOLLOW_UP_ACTIVITY],
                feedback=_("Refunded to the customer account by %s.", self.name),
            )
            closed.append(original.name)
        if not closed:
            return _("No collection cleared.")
        return _("Collection closed for %s.", ", ".join(closed))

    def _ru54fz_follow_up_days(self):
        """The follow-up delay of the settings, in days (at least 1)."""
        value = self.env["ir.config_parameter"].sudo().get_param(FOLLOW_UP_DAYS_PARAM)
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return DEFAULT_FOLLOW_UP_DAYS

    def _ru54fz_send_receipt_email(self, recipient):
        """E-mail the order's receipt, with its fiscal data, to ``recipient`` (job).

        Idempotent per recipient and message. Waits for the fiscal receipt while
        it is being printed; does nothing while the order needs a person.

        :raises RetryableJobError: the fiscal receipt is not printed yet.
        """
        self.ensure_one()
        ready = self._ru54fz_notification_ready()
        if ready is not True:
            return ready
        body = self.env["ir.qweb"]._render(
            "optics_pos_ru54fz.ru54fz_receipt_email", {"order": self}
        )
        subject = _("Your receipt %s", self.pos_reference or self.name)
        notification = self._ru54fz_notification("email", recipient, subject + body)
        if not notification:
            return _("Already sent.")
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "body_html": body,
                    "email_to": recipient,
                    "email_from": self.company_id.email_formatted
                    or self.env.user.email_formatted,
                    "model": self._name,
                    "res_id": self.id,
                    "auto_delete": True,
                }
            )
        )
        notification.mail_id = mail
        return _("E-mail queued.")

    def _ru54fz_send_receipt_sms(self, phone):
        """Send the order's fiscal data by SMS to ``phone`` (job, root.low).

        Idempotent per recipient and message: the gateway gets an idempotency key
        and a message already recorded is not sent again.

        :raises RetryableJobError: the fiscal receipt is not printed yet, or the
            gateway is unreachable.
        """
        self.ensure_one()
        ready = self._ru54fz_notification_ready()
        if ready is not True:
            return ready
        text = self._ru54fz_sms_text()
        notification = self._ru54fz_notification("sms", phone, text)
        if not notification:
            return _("Already sent.")
        self.env["ru54fz.sms.gateway"].send(
            phone, text, idempotency_key=notification.digest
        )
        return _("SMS sent.")

    def _ru54fz_check_fiscal_data_write(self, vals):
        protected = [name for name in FISCAL_DATA_FIELDS if name in vals]
        if "fiscal_state" in vals:
            protected.append("fiscal_state")
        if not protected:
            return
        for order in self.filtered(lambda order: order.fiscal_state == "sent"):
            for name in protected:
                field = self._fields[name]
                new = field.convert_to_record(
                    field.convert_to_cache(vals[name], order), order
                )
                if new != order[name]:
                    raise UserError(
                        _(
                            "The fiscal data of order %(order)s is stored on the "
                            "KKT and cannot be changed (%(field)s).",
                            order=order.name,
                            field=field.string,
                        )
                    )

    @api.model
    def _ru54fz_check_refund_allowed(self, data):
        line_ids = [
            line[2]["refunded_orderline_id"]
            for line in data.get("lines") or []
            if line[2].get("refunded_orderline_id")
        ]
        if not line_ids:
            return
        session = self.env["pos.session"].browse(data["pos_session_id"])
        if not session.config_id.kkt_device_id:
            return
        self._ru54fz_check_refund_allowed_for_lines(
            self.env["pos.order.line"].browse(line_ids), name=data.get("name")
        )

    @api.model
    def _ru54fz_check_refund_allowed_for_lines(self, refunded_lines, name=None):
        """Refuse a refund while an order it returns has no fiscal receipt yet.

        Orders never fiscalised here (no KKT, or older than this module) can be
        refunded.
        """
        if name is None and self and not self.config_id.kkt_device_id:
            return
        pending = refunded_lines.order_id.filtered(
            lambda order: (
                order.fiscal_state
                and order.fiscal_state not in ("sent", "not_required")
            )
        )
        if pending:
            raise UserError(
                _(
                    "Refund %(refund)s is refused: the fiscal receipt of "
                    "%(orders)s is not printed yet. Wait until it is printed (or "
                    "ask a manager to retry it), then validate the refund again.",
                    refund=name or self.name,
                    orders=", ".join(pending.mapped("name")),
                )
            )

    def _ru54fz_enqueue_jobs(self):
        """Queue the jobs of a newly paid order, once (state guard + identity keys)."""
        for order in self:
            if order.fiscal_state or order.state not in PAID_STATES:
                continue
            device = order.config_id.kkt_device_id
            if device:
                order.write({"fiscal_state": "to_send", "kkt_device_id": device.id})
                order._ru54fz_delay_fiscal_job_if_printable()
            else:
                order.fiscal_state = "not_required"
            if order.to_invoice:
                order.with_delay(
                    channel="root.high",
                    identity_key=order._ru54fz_identity_key("confirm"),
                    description=_("Invoice %s and send the invoice", order.name),
                )._ru54fz_confirm_order()
            if order._ru54fz_customer_account_amount():
                order.with_delay(
                    channel="root.high",
                    identity_key=order._ru54fz_identity_key("follow_up"),
                    description=_(
                        "Follow up the customer account payment of %s", order.name
                    ),
                )._ru54fz_follow_up_payment()
            if order.fiscal_state != "needs_attention":
                order._ru54fz_delay_notification_jobs()

    def _ru54fz_delay_fiscal_job_if_printable(self):
        """Queue the fiscal job, or mark the order as needing attention when the
        KKT would refuse its receipt.

        Only orders taken while the POS screen was offline can be refused here:
        online, the payment screen makes the same check before payment.
        """
        self.ensure_one()
        try:
            self._ru54fz_build_receipt()
        except ReceiptError as error:
            self._ru54fz_fiscal_needs_attention(error)
            return
        except psycopg2.Error:
            raise
        except Exception:
            # A fault of ours must not leave a paid order without its jobs: the
            # fiscal job meets it again, retries and ends in the dead letter.
            _logger.exception("Receipt of %s could not be checked at sync", self.name)
        self._ru54fz_delay_fiscal_job()

    def _ru54fz_delay_fiscal_job(self):
        self.ensure_one()
        self.with_delay(
            channel="root.critical",
            identity_key=self._ru54fz_identity_key("fiscal"),
            max_retries=MAX_FISCAL_ATTEMPTS,
            description=_("Fiscal receipt of %s", self.name),
        )._ru54fz_fiscalise()
        # Whether a retry is allowed depends on the job just queued.
        self.invalidate_recordset(["fiscal_retry_allowed"])

    def _ru54fz_delay_notification_jobs(self):
        self.ensure_one()
        contact = self._ru54fz_buyer_contact()
        if not contact:
            return
        kind = "email" if "@" in contact else "sms"
        digest = hashlib.sha256(contact.encode()).hexdigest()[:16]
        key = f"{self._ru54fz_identity_key(kind)}:{digest}"
        delayable = self.with_delay(
            channel="root.low",
            identity_key=key,
            description=_("Receipt of %s to the buyer", self.name),
        )
        if kind == "email":
            delayable._ru54fz_send_receipt_email(contact)
        else:
            delayable._ru54fz_send_receipt_sms(contact)

    def _ru54fz_identity_key(self, kind):
        return f"ru54fz:{kind}:{self.id}"

    @contextmanager
    def _ru54fz_own_transaction(self):
        """Yield the order in a new transaction, committed on exit, row locked."""
        with self.env.registry.cursor() as cr:
            order = self.with_env(self.env(cr=cr))
            cr.execute("SELECT id FROM pos_order WHERE id = %s FOR UPDATE", [self.id])
            yield order

    def _ru54fz_fiscal_prepare(self):
        """Check the order, build its receipt and record the FD search start.

        Returns ``(receipt, None)`` to go on printing, or ``(None, outcome)``
        where outcome is the job result or the exception to raise.
        """
        skip = self._ru54fz_fiscal_skip_reason()
        if skip:
            return None, skip
        try:
            if not self.kkt_device_id:
                raise ReceiptError(
                    _(
                        "Order %s has no cash register (KKT) to print on. Link one "
                        "to its point of sale, then retry the fiscal receipt.",
                        self.name,
                    )
                )
            receipt = self._ru54fz_build_receipt()
        except ReceiptError as error:
            return None, self._ru54fz_fiscal_needs_attention(error)
        vals = {"fiscal_attempts": self.fiscal_attempts + 1}
        # FD 1 is the FN's registration report, so 0 means "not recorded yet".
        if not self.fiscal_search_from_fd:
            try:
                status = self.kkt_device_id._kkt_call("fn_status")
            except KktError as error:
                self.fiscal_attempts = vals["fiscal_attempts"]
                return None, self._ru54fz_fiscal_failed(error)
            vals["fiscal_search_from_fd"] = status.last_fd_number
        self.write(vals)
        return receipt, None

    def _ru54fz_fiscal_print(self, receipt):
        """Print the receipt (or find it again) and store its fiscal data."""
        skip = self._ru54fz_fiscal_skip_reason()
        if skip:
            return skip
        try:
            result = self.kkt_device_id._kkt_call(
                "fiscalise", receipt, search_from_fd=self.fiscal_search_from_fd
            )
        except ReceiptError as error:
            return self._ru54fz_fiscal_needs_attention(error)
        except KktError as error:
            return self._ru54fz_fiscal_failed(error)
        self._ru54fz_store_fiscal_result(result)
        # The device answered: its indicator on the POS may turn green again.
        self.kkt_device_id.invalidate_recordset()
        self.kkt_device_id._kkt_notify_pos()
        _logger.info(
            "Fiscal receipt of %s printed on %s: FD %s%s",
            self.name,
            self.kkt_device_id.name,
            result.fd_number,
            " (found again in the FN)" if result.recovered else "",
        )
        return _("Printed: FD %s.", result.fd_number)

    def _ru54fz_fiscal_skip_reason(self):
        """Return why the fiscal job has nothing to do, or None when it has."""
        if self.fiscal_state == "sent":
            return _("Already printed: FD %s.", self.fiscal_fd_number)
        if self.fiscal_state not in ("to_send", "failed"):
            return _("Nothing to do: fiscal state is %s.", self.fiscal_state)
        return None

    def _ru54fz_store_fiscal_result(self, result):
        self.write(
            {
                "fiscal_state": "sent",
                "fiscal_fd_number": result.fd_number,
                "fiscal_sign": str(result.fiscal_sign),
                "fiscal_fn_serial": result.fn_serial,
                "fiscal_shift_number": result.shift_number,
                "fiscal_receipt_number": result.receipt_number,
                "fiscal_datetime": self.kkt_device_id._kkt_device_time_to_utc(
                    result.fiscal_datetime
                ),
                "fiscal_qr": result.qr,
                "fiscal_request": json.dumps(
                    result.request, ensure_ascii=False, default=str
                ),
                "fiscal_answer": json.dumps(
                    result.answer, ensure_ascii=False, default=str
                ),
                "fiscal_last_error": False,
                "fiscal_recovered": bool(result.recovered),
            }
        )
        self.message_post(
            body=_(
                "Fiscal receipt printed: FD %(fd)s, fiscal sign %(sign)s, FN %(fn)s.",
                fd=result.fd_number,
                sign=result.fiscal_sign,
                fn=result.fn_serial,
            )
        )

    def _ru54fz_fiscal_needs_attention(self, error):
        text = self._ru54fz_error_text(error)
        self.write({"fiscal_state": "needs_attention", "fiscal_last_error": text})
        self.message_post(body=_("Fiscal receipt cannot be printed: %s", text))
        self._ru54fz_schedule_manager_activity(
            _(
                "The fiscal receipt of %(order)s cannot be printed: %(error)s Fix "
                "the order or the settings it uses, then press Retry fiscal "
                "receipt on the order.",
                order=self.name,
                error=text,
            )
        )
        _logger.warning("Fiscal receipt of %s needs attention", self.name)
        return text

    def _ru54fz_fiscal_failed(self, error):
        """Record a failed attempt; return the exception the job must raise."""
        text = self._ru54fz_error_text(error)
        if self.fiscal_attempts >= MAX_FISCAL_ATTEMPTS:
            self._ru54fz_dead_letter(text)
            return FailedJobError(text)
        state = "to_send" if error.retryable else "failed"
        self.write({"fiscal_state": state, "fiscal_last_error": text})
        _logger.warning(
            "Fiscal receipt of %s, attempt %s failed: %s",
            self.name,
            self.fiscal_attempts,
            error.message,
        )
        return RetryableJobError(text)

    def _ru54fz_fiscal_record_unexpected(self, error, attempt_counted):
        """Record an attempt that failed with an error the driver did not
        expect; return the job's result or the exception the job must raise.

        It counts like any failed attempt: retried, then dead-lettered.
        """
        skip = self._ru54fz_fiscal_skip_reason()
        if skip:
            return skip
        if not attempt_counted:
            self.fiscal_attempts += 1
        text = _("Unexpected error: %s", error)
        if self.fiscal_attempts >= MAX_FISCAL_ATTEMPTS:
            self._ru54fz_dead_letter(text)
            return FailedJobError(text)
        self.write({"fiscal_state": "failed", "fiscal_last_error": text})
        return RetryableJobError(text)

    def _ru54fz_dead_letter(self, text):
        self.write({"fiscal_state": "dead_letter", "fiscal_last_error": text})
        note = _(
            "The fiscal receipt of %(order)s failed %(count)s times: %(error)s "
            "Fix the cause on the cash register, then press Retry fiscal receipt "
            "on the order.",
            order=self.name,
            count=self.fiscal_attempts,
            error=text,
        )
        self._ru54fz_schedule_manager_activity(note)
        self.message_post(body=note)
        _logger.error(
            "Fiscal receipt of %s dead-lettered after %s attempts",
            self.name,
            self.fiscal_attempts,
        )

    def _ru54fz_invoice_waiting_orders(self):
        """Invoice the orders to invoice whose invoice was left to their job."""
        waiting = self.filtered(
            lambda order: (
                order.to_invoice and order.state == "paid" and not order.account_move
            )
        )
        if waiting:
            waiting.with_context(
                ru54fz_defer_invoice=False, generate_pdf=False
            )._generate_pos_order_invoice()
            # The receipt screen offers the posted invoice for download.
            waiting._ru54fz_notify_pos()
        return waiting

    def _ru54fz_record_invoice_error(self, error):
        """Store why the order has no invoice, tell its managers and its POS
        screen; return the message."""
        text = _(
            "The invoice of %(order)s cannot be made: %(error)s Correct the order "
            "(for example its customer), then press Invoice on it.",
            order=self.name,
            error=error.args[0] if error.args else error,
        )
        self.invoice_error = text
        self.message_post(body=text)
        self._ru54fz_schedule_manager_activity(
            text, summary=_("Invoice not made"), activity_type=TODO_ACTIVITY
        )
        self._ru54fz_notify_pos()
        _logger.warning("Invoice of %s not made: %s", self.name, error)
        return text

    def _ru54fz_customer_account_amount(self):
        """Return what the buyer paid on the customer account (pay later)."""
        self.ensure_one()
        return sum(
            payment.amount
            for payment in self.payment_ids
            if payment.payment_method_id.type == "pay_later"
        )

    def _ru54fz_lock_rows(self):
        """Lock the orders' rows until the transaction ends and read them again.

        :raises psycopg2.OperationalError: another transaction changed one of
            them meanwhile (retried by the RPC layer and by queue_job).
        """
        if not self.ids:
            return
        self.env.cr.execute(
            "SELECT id FROM pos_order WHERE id IN %s FOR UPDATE", [tuple(self.ids)]
        )
        self.invalidate_recordset(["account_move", "state"])

    def _ru54fz_schedule_manager_activity(
        self, note, summary=None, activity_type=FISCAL_ACTIVITY
    ):
        """Give each POS manager of the order's company an activity with ``note``
        (by default a fiscal receipt one, which Retry closes)."""
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda user: (
                not user.share and user.active and self.company_id in user.company_ids
            )
        )
        for user in managers:
            self.sudo().activity_schedule(
                activity_type,
                summary=summary or _("Fiscal receipt not printed"),
                note=note,
                user_id=user.id,
            )

    def _ru54fz_build_receipt(self):
        values = self._ru54fz_receipt_values()
        return self.env["ru54fz.fiscal.receipt.builder"]._build(values)

    def _ru54fz_receipt_values(self):
        """Return the builder's values for this order (see the builder)."""
        self.ensure_one()
        lines = [
            {
                "index": index,
                "name": line.full_product_name or line.product_id.display_name,
                "quantity": Decimal(str(line.qty)),
                "amount": to_kopecks(line.price_subtotal_incl),
                "taxes": line.tax_ids_after_fiscal_position,
                "product": line.product_id,
                "is_refund": bool(line.refunded_orderline_id),
            }
            for index, line in enumerate(self.lines, start=1)
        ]
        return {
            "mark": self._ru54fz_mark(),
            "lines": lines,
            "payments": [
                (payment.payment_method_id, to_kopecks(payment.amount))
                for payment in self.payment_ids
            ],
            "buyer_contact": self._ru54fz_buyer_contact(),
            "cashier_name": self._ru54fz_cashier_name(),
            "tax_system": self.kkt_device_id.tax_system or "osn",
        }

    @api.model
    def _ru54fz_receipt_values_from_ui(self, data, device):
        fiscal_position = self.env["account.fiscal.position"].browse(
            data.get("fiscal_position_id") or []
        )
        lines = []
        for index, command in enumerate(data.get("lines") or [], start=1):
            line = command[2]
            product = self.env["product.product"].browse(line["product_id"])
            tax_ids = line.get("tax_ids") and line["tax_ids"][0][2] or []
            taxes = self.env["account.tax"].browse(tax_ids)
            lines.append(
                {
                    "index": index,
                    "name": line.get("full_product_name") or product.display_name,
                    "quantity": Decimal(str(line["qty"])),
                    "amount": to_kopecks(line["price_subtotal_incl"]),
                    "taxes": fiscal_position.map_tax(taxes)
                    if fiscal_position
                    else taxes,
                    "product": product,
                    "is_refund": bool(line.get("refunded_orderline_id")),
                }
            )
        methods = self.env["pos.payment.method"]
        payments = [
            (
                methods.browse(payment[2]["payment_method_id"]),
                to_kopecks(payment[2]["amount"]),
            )
            for payment in data.get("statement_ids") or []
        ]
        change = to_kopecks(data.get("amount_return") or 0)
        if change:
            session = self.env["pos.session"].browse(data["pos_session_id"])
            cash = session.payment_method_ids.filtered("is_cash_count")[:1]
            payments.append((cash, -change))
        partner = self.env["res.partner"].browse(data.get("partner_id") or [])
        builder = self.env["ru54fz.fiscal.receipt.builder"]
        user = self.env["res.users"].browse(data.get("user_id") or self.env.uid)
        return {
            "mark": receipt_mark(data.get("name"), 0),
            "lines": lines,
            "payments": payments,
            "buyer_contact": builder._buyer_contact(
                data.get("fiscal_buyer_contact"), partner
            ),
            "cashier_name": user.name,
            "tax_system": device.tax_system or "osn",
        }

    def _ru54fz_mark(self):
        """Return the tag 1192 mark; a refund's names the original's FD number."""
        original = self.lines.refunded_orderline_id.order_id.filtered(
            "fiscal_fd_number"
        )[:1]
        if original:
            mark = f"{original.fiscal_fd_number}R{self.id}"
            if len(mark) <= 16:
                return mark
        return receipt_mark(self.pos_reference, self.id)

    def _ru54fz_buyer_contact(self):
        builder = self.env["ru54fz.fiscal.receipt.builder"]
        return builder._buyer_contact(self.fiscal_buyer_contact, self.partner_id)

    def _ru54fz_cashier_name(self):
        employee = self["employee_id"] if "employee_id" in self._fields else None
        return (employee and employee.name) or self.user_id.name or ""

    def _ru54fz_error_text(self, error):
        if (self.env.lang or "").startswith("ru"):
            return error.message_ru
        return error.message

    def _ru54fz_notification_ready(self):
        """Return True when the buyer may be told, else the job's result.

        :raises RetryableJobError: the fiscal receipt is still being printed.
        """
        if self.fiscal_state in ("sent", "not_required"):
            return True
        if self.fiscal_state in ("to_send", "failed"):
            raise RetryableJobError(
                _("Waiting for the fiscal receipt of %s.", self.name),
                seconds=60,
                ignore_retry=True,
            )
        return _("Not sent: the fiscal receipt of %s is not printed.", self.name)

    def _ru54fz_notification(self, channel, recipient, message):
        """Record a message to send; return False when it was sent already."""
        digest = hashlib.sha256(
            "\n".join((channel, recipient, message)).encode()
        ).hexdigest()
        log = self.env["ru54fz.receipt.notification"].sudo()
        if log.search_count([("order_id", "=", self.id), ("digest", "=", digest)]):
            return log.browse()
        return log.create(
            {
                "order_id": self.id,
                "channel": channel,
                "recipient": recipient,
                "digest": digest,
            }
        )

    def _ru54fz_sms_text(self):
        if self.fiscal_state == "sent":
            return _(
                "Receipt %(order)s: %(total)s. FD %(fd)s, FPD %(sign)s, FN %(fn)s.",
                order=self.pos_reference or self.name,
                total=self.currency_id.format(self.amount_total),
                fd=self.fiscal_fd_number,
                sign=self.fiscal_sign,
                fn=self.fiscal_fn_serial,
            )
        return _(
            "Receipt %(order)s: %(total)s.",
            order=self.pos_reference or self.name,
            total=self.currency_id.format(self.amount_total),
        )

    def _ru54fz_notify_pos(self):
        """Push the fiscal and invoice data of the orders to the open screens of
        their POS.

        The data is read just before the transaction commits, so the screens
        see what is committed (a posted invoice's name, a job queued later in
        the transaction), and a rolled-back job shows nothing.
        """
        pending = self.env.cr.precommit.data
        if NOTIFY_KEY not in pending:
            pending[NOTIFY_KEY] = set()
            self.env.cr.precommit.add(self._ru54fz_send_pos_notifications)
        pending[NOTIFY_KEY].update(self.ids)

    def _ru54fz_send_pos_notifications(self):
        order_ids = self.env.cr.precommit.data.pop(NOTIFY_KEY, set())
        for order in self.browse(sorted(order_ids)).exists():
            payload = order._ru54fz_fiscal_ui_data()
            for session in order.config_id._ru54fz_open_sessions():
                session._ru54fz_send("RU54FZ_ORDER_FISCAL", payload)

    def _ru54fz_fiscal_ui_data(self):
        """Return the order's fiscal data for the POS screen.

        ``state`` is the order's fiscal state, except ``printing`` while its
        fiscal job is running.
        """
        self.ensure_one()
        state = self.fiscal_state
        if state == "to_send" and self._ru54fz_fiscal_job_running():
            state = "printing"
        return {
            "id": self.id,
            "name": self.pos_reference,
            "state": state,
            "fd_number": self.fiscal_fd_number or False,
            "fiscal_sign": self.fiscal_sign or False,
            "fn_serial": self.fiscal_fn_serial or False,
            "shift_number": self.fiscal_shift_number or False,
            "receipt_number": self.fiscal_receipt_number or False,
            "datetime": fields.Datetime.to_string(self.fiscal_datetime),
            "qr": self.fiscal_qr or False,
            "error": self.fiscal_last_error or False,
            "retry_allowed": self.fiscal_retry_allowed,
            "to_invoice": self.to_invoice,
            "invoice_id": self.account_move.id or False,
            "invoice_name": self.account_move.name or False,
            "invoice_error": (not self.account_move and self.invoice_error) or False,
        }

    def _ru54fz_fiscal_job_running(self):
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "=", FISCAL_JOB),
                    ("state", "=", "started"),
                    ("func_string", "=like", f"{self._name}({self.id},).%"),
                ],
                limit=1,
            )
        )
