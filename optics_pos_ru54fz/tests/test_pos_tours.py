# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Browser tours of the POS fiscal screens, against a running KKT emulator.

How fiscal jobs run here: inside HttpCase everything happens in one test
transaction that is never committed, so the queue_job runner never sees a job.
When a tour reaches the receipt screen it asks the test (a ``serverStep``, see
``static/tests/tours/ru54fz_tour_utils.js``) to "fiscalise": the test loads the
pending ``queue.job`` records of ``_ru54fz_fiscalise`` and performs them
in-process the way the runner's controller does (started, perform, done), with
the real emulator on a real socket. Bus messages are committed into the test
transaction only, so after each server step the test wakes the open websockets
itself, as ``bus.tests.common.WebsocketCase`` does (which also allows the
websocket in test mode, as this class does).
"""

import logging
import queue
import threading
from base64 import b64decode
from pathlib import Path
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.addons.optics_kkt_driver.kkt.emulator.testing import running_emulator
from odoo.addons.optics_kkt_driver.kkt.errors import KktError
from odoo.addons.optics_kkt_driver.kkt.receipt import REFUND, SALE
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .common import create_pos_config, pos_ui_order

_logger = logging.getLogger(__name__)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
STEP_PREFIX = "ru54fz-tour-step:"
FISCAL_JOB = "_ru54fz_fiscalise"
CONFIRM_JOB = "_ru54fz_confirm_order"
X_REPORT = 0x40
Z_REPORT = 0x41
BUYER_CONTACT_TAG = 1008


class TourServer:
    """Run the server steps a tour asks for, outside the browser's threads.

    The browser logs ``ru54fz-tour-step:<id>:<command> [argument]``; a worker
    thread runs the command (the test's own, with their own test cursors, or
    ``screenshot <name>``, ``network_off``, ``network_on`` on the browser), then
    adds ``<id>`` to the page's ``data-ru54fz-done`` attribute, which the tour
    waits for.
    """

    def __init__(self, case, commands, expected_errors=()):
        self.case = case
        self.commands = commands
        self.expected_errors = expected_errors
        self.done = []
        self.screenshots = []
        self._queue = queue.Queue()
        self._worker = threading.Thread(target=self._work, daemon=True)

    def __enter__(self):
        self._worker.start()
        server = self
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002
            text = str(browser._from_remoteobject(args[0])) if args else ""
            if type == "log" and text.startswith(STEP_PREFIX):
                server._queue.put((browser, text[len(STEP_PREFIX) :]))
            if type == "error" and text.startswith(server.expected_errors):
                _logger.info("Browser error expected by the tour: %s", text)
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        self._patch = patch.object(ChromeBrowser, "_handle_console", handle_console)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()
        self._queue.put(None)
        self._worker.join(timeout=60)

    def _work(self):
        while (item := self._queue.get()) is not None:
            browser, request = item
            step_id, _sep, command = request.partition(":")
            name, _sep, argument = command.partition(" ")
            try:
                if name == "screenshot":
                    self._screenshot(browser, argument)
                elif name in ("network_off", "network_on"):
                    self._set_network(browser, offline=name == "network_off")
                else:
                    self.commands[name]()
                wake_websockets()
            except Exception as error:
                _logger.exception("Tour server step %s failed", command)
                browser._websocket_send(
                    "Runtime.evaluate",
                    params={"expression": f"console.error({str(error)!r})"},
                )
                continue
            self.done.append(command)
            browser._websocket_send(
                "Runtime.evaluate",
                params={
                    "expression": "document.body.dataset.ru54fzDone = "
                    f"`${{document.body.dataset.ru54fzDone || ''}} {step_id}`"
                },
            )

    def _set_network(self, browser, offline):
        """Cut or restore the page's network, as a lost server would."""
        browser._websocket_request("Network.enable")
        browser._websocket_request(
            "Network.emulateNetworkConditions",
            params={
                "offline": offline,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": -1,
            },
        )

    def _screenshot(self, browser, name):
        shot = browser._websocket_request("Page.captureScreenshot", timeout=30)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(b64decode(shot["data"]))
        self.screenshots.append(path)


def wake_websockets():
    """Make every open websocket poll the bus, as a commit's NOTIFY would."""
    for websockets in list(dispatch._channels_to_ws.values()):
        for websocket in list(websockets):
            websocket.trigger_notification_dispatching()


@tagged("post_install", "-at_install")
class TestPosTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The POS screen gets live updates through the bus websocket, which
        # Odoo refuses in test mode unless allowed (as bus.tests.common does).
        cls.startClassPatcher(
            patch.object(
                WebsocketConnectionHandler, "websocket_allowed", return_value=True
            )
        )
        cls.kkt_url, cls.kkt_control = cls.enterClassContext(
            running_emulator(tcp=True, protocol=1, print_time=0.01)
        )
        cls.device = cls.env["kkt.device"].create(
            {
                "name": "Tour KKT",
                "connection_url": cls.kkt_url,
                "breaker_threshold": 5,
                "breaker_cooldown": 1,
                "offline_grace_minutes": 15,
                "tz": "UTC",
            }
        )
        cls.device._kkt_call("open_shift", cashier_name="Tour")
        cls.device._kkt_refresh_status()
        cls.product = cls.env["product.product"].create(
            {
                "name": "Fiscal Test Lens",
                "available_in_pos": True,
                "list_price": 150.0,
                "taxes_id": [(5, 0, 0)],
            }
        )
        old_rate = cls.env["account.tax"].create(
            {"name": "VAT 18% (old rate)", "amount": 18, "type_tax_use": "sale"}
        )
        cls.old_rate_product = cls.env["product.product"].create(
            {
                "name": "Old Rate Frame",
                "available_in_pos": True,
                "list_price": 100.0,
                "taxes_id": [(6, 0, old_rate.ids)],
            }
        )
        cls.config = create_pos_config(cls.env, cls.device, "Tour", "TR")
        cls.config.with_user(cls.env.ref("base.user_admin")).open_ui()
        cls.pos_session = cls.config.current_session_id
        cls.pos_session.set_cashbox_pos(0, None)

    def _start_tour(self, name, commands=None, expected_errors=()):
        commands = dict(commands or {}, fiscalise=self._perform_fiscal_jobs)
        with TourServer(self, commands, tuple(expected_errors)) as server:
            self.start_tour(
                f"/pos/ui?config_id={self.config.id}", name, login="admin", timeout=400
            )
        return server

    def _perform_fiscal_jobs(self):
        self._perform_jobs(FISCAL_JOB)

    def _perform_jobs(self, method):
        """Perform the pending jobs of ``method`` like the job runner's
        controller: done, or postponed and pending again when the job asks for
        a retry."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            records = env["queue.job"].search(
                [("method_name", "=", method), ("state", "=", "pending")]
            )
            if not records:
                raise AssertionError(f"The tour enqueued no {method} job.")
            for record in records:
                job = Job.load(env, record.uuid)
                job.set_started()
                job.store()
                try:
                    job.perform()
                except RetryableJobError as error:
                    job.postpone(result=str(error), seconds=error.seconds)
                    job.set_pending(reset_retry=False)
                    job.store()
                    continue
                env.flush_all()
                job.set_done()
                job.store()

    def _perform_confirmation_jobs(self):
        """Make the invoice (root.high), then e-mail it (root.low)."""
        self._perform_jobs(CONFIRM_JOB)
        self._perform_jobs("_ru54fz_send_invoice")

    def _refresh_device(self):
        with self.registry.cursor() as cr:
            device = self.device.with_env(self.device.env(cr=cr))
            try:
                device._kkt_refresh_status()
            except KktError as error:
                _logger.info("Device refresh failed as the tour expects: %s", error)

    def _create_unfiscalised_order(self):
        """Sync a paid order through the POS call; its fiscal job stays pending."""
        order = pos_ui_order(self.pos_session, [(self.product, 1)])
        result = self.env["pos.order"].create_from_ui([order])
        return self.env["pos.order"].browse(result[0]["id"])

    def _assert_screenshots(self, server, names):
        for name in names:
            path = SCREENSHOTS / f"{name}.png"
            self.assertIn(path, server.screenshots)
            self.assertGreater(path.stat().st_size, 1000, f"{path} is empty")

    def test_sale_shows_fd_data_on_receipt_screen(self):
        server = self._start_tour("ru54fz_sale_fiscal_receipt")

        self.assertIn("fiscalise", server.done)
        order = self.env["pos.order"].search(
            [("session_id", "=", self.pos_session.id)], order="id desc", limit=1
        )
        self.assertEqual(order.fiscal_state, "sent")
        self.assertTrue(order.fiscal_fd_number)
        self.assertTrue(order.fiscal_sign)
        self.assertEqual(order.fiscal_buyer_contact, "+79001234567")
        document = self.kkt_control.document(order.fiscal_fd_number)
        self.assertEqual(document["operation"], SALE)
        tlvs = dict(document["tlvs"])
        self.assertEqual(bytes.fromhex(tlvs[BUYER_CONTACT_TAG]), b"+79001234567")
        self._assert_screenshots(
            server,
            [
                "sale_1_product_screen_indicator",
                "sale_2_payment_screen_buyer_contact",
                "sale_3_receipt_screen_queued",
                "sale_4_receipt_screen_fiscalised",
                "sale_5_ticket_fiscal_qr",
            ],
        )

    def test_failed_receipt_shows_its_reason_and_prints_after_retry(self):
        def block_and_fiscalise():
            self.kkt_control.block_30_days(True)
            self._perform_fiscal_jobs()

        def unblock():
            self.kkt_control.block_30_days(False)
            self._refresh_device()

        server = self._start_tour(
            "ru54fz_failed_receipt_retry",
            {"block_and_fiscalise": block_and_fiscalise, "unblock": unblock},
        )

        order = self.env["pos.order"].search(
            [("session_id", "=", self.pos_session.id)], order="id desc", limit=1
        )
        self.assertEqual(order.fiscal_state, "sent")
        mark = order._ru54fz_mark()
        documents = [d for d in self.kkt_control.documents() if d["mark"] == mark]
        self.assertEqual(len(documents), 1, "One receipt in the FN despite the retry")
        self._assert_screenshots(
            server,
            ["failed_1_receipt_failed_with_reason", "failed_2_printed_after_retry"],
        )

    def test_indicator_turns_red_when_emulator_silent_and_green_again(self):
        def silence():
            self.kkt_control.silent(True)
            self._refresh_device()

        server = self._start_tour(
            "ru54fz_indicator_offline",
            {"silence": silence, "revive": lambda: self.kkt_control.silent(False)},
        )

        self.assertEqual(
            server.done[:2], ["silence", "screenshot offline_1_indicator_red"]
        )
        self.device.invalidate_recordset()
        self.assertEqual(self.device.link_state, "online")
        self._assert_screenshots(
            server,
            [
                "offline_1_indicator_red",
                "offline_2_kkt_panel_offline",
                "offline_3_indicator_green_again",
            ],
        )

    def test_payment_refused_while_shift_is_over_24_hours(self):
        self.kkt_control.advance_clock(hours=25)
        self.device._kkt_refresh_status()
        self.assertTrue(self.device.shift_expired)
        z_reports = self.kkt_control.counter(Z_REPORT)

        server = self._start_tour("ru54fz_payment_refused_shift_expired")

        self.assertEqual(self.kkt_control.counter(Z_REPORT), z_reports + 1)
        self.device.invalidate_recordset()
        self.assertTrue(self.device.shift_open)
        self.assertFalse(self.device.shift_expired)
        self.assertIn("clock is", self.device.warnings_text)
        self._assert_screenshots(
            server, ["shift_1_payment_refused", "shift_2_new_shift_open"]
        )

    def test_order_taken_offline_is_fiscalised_after_sync(self):
        # Odoo's POS logs the sync call lost while offline as a browser error;
        # that one is expected, any other still fails the tour.
        server = self._start_tour(
            "ru54fz_offline_sale_on_hold",
            expected_errors=['ConnectionLostError: Connection to "/web/dataset/'],
        )

        self.assertEqual(
            server.done[:3],
            ["network_off", "screenshot offline_sale_1_receipt_on_hold", "network_on"],
        )
        order = self.env["pos.order"].search(
            [("session_id", "=", self.pos_session.id)], order="id desc", limit=1
        )
        self.assertEqual(order.fiscal_state, "sent")
        self._assert_screenshots(
            server,
            ["offline_sale_1_receipt_on_hold", "offline_sale_2_fiscalised_after_sync"],
        )

    def test_refund_refused_until_original_is_fiscalised(self):
        order = self._create_unfiscalised_order()
        self.assertEqual(order.fiscal_state, "to_send")

        server = self._start_tour("ru54fz_refund_after_fiscalisation")

        self.assertEqual(order.fiscal_state, "sent")
        refund = self.env["pos.order"].search(
            [("lines.refunded_orderline_id", "in", order.lines.ids)]
        )
        self.assertEqual(len(refund), 1, "One refund, made after the fiscalisation")
        self.assertEqual(refund.fiscal_state, "sent")
        self.assertGreater(refund.fiscal_fd_number, order.fiscal_fd_number)
        document = self.kkt_control.document(refund.fiscal_fd_number)
        self.assertEqual(document["operation"], REFUND)
        self._assert_screenshots(
            server,
            [
                "refund_1_order_list_badges",
                "refund_2_refund_refused",
                "refund_3_original_fiscalised",
                "refund_4_return_receipt_printed",
            ],
        )

    def test_payment_screen_refuses_an_order_the_device_would_reject(self):
        server = self._start_tour("ru54fz_payment_refused_invalid_line")

        orders = self.env["pos.order"].search(
            [("lines.product_id", "=", self.old_rate_product.id)]
        )
        self.assertFalse(orders, "The refused order reached the server")
        self._assert_screenshots(server, ["invalid_1_payment_refused_line_named"])

    def test_pos_screen_speaks_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env.ref("base.user_admin").lang = "ru_RU"

        server = self._start_tour("ru54fz_screen_in_russian")

        self._assert_screenshots(server, ["russian_1_kkt_panel"])

    def test_x_report_from_pos_prints_on_emulator(self):
        self._create_unfiscalised_order()
        before = self.kkt_control.counter(X_REPORT)

        server = self._start_tour("ru54fz_x_report")

        self.assertEqual(self.kkt_control.counter(X_REPORT), before + 1)
        self._assert_screenshots(
            server,
            [
                "xreport_1_kkt_panel",
                "xreport_2_x_report_printed",
                "xreport_3_closing_warns_pending",
            ],
        )

    def test_invoice_is_made_in_the_background_and_offered_when_posted(self):
        buyer = self.env["res.partner"].create(
            {"name": "Tour Invoice Buyer", "email": "tour.buyer@example.com"}
        )

        server = self._start_tour(
            "ru54fz_invoice_in_background",
            {"confirm_orders": self._perform_confirmation_jobs},
        )

        order = self.env["pos.order"].search(
            [("session_id", "=", self.pos_session.id)], order="id desc", limit=1
        )
        self.assertEqual(order.partner_id, buyer)
        self.assertEqual(order.account_move.state, "posted")
        self.assertTrue(order.account_move.is_move_sent)
        job = self.env["queue.job"].search(
            [("identity_key", "=", f"ru54fz:confirm:{order.id}")]
        )
        self.assertEqual(job.state, "done", "the job made the invoice")
        self.assertEqual(job.channel, "root.high")
        self._assert_screenshots(
            server, ["invoice_1_being_made", "invoice_2_ready_for_download"]
        )

    def test_manager_retries_a_stalled_receipt_from_the_order_list(self):
        order = self._create_unfiscalised_order()
        stopped = self.env["queue.job"].search(
            [("identity_key", "=", f"ru54fz:fiscal:{order.id}")]
        )
        stopped.write({"state": "failed", "exc_info": "stopped for the test"})
        self.assertTrue(order.fiscal_retry_allowed)

        server = self._start_tour(
            "ru54fz_ticket_screen_retry", {"fiscalise": self._perform_fiscal_jobs}
        )

        self.assertEqual(order.fiscal_state, "sent")
        mark = order._ru54fz_mark()
        documents = [d for d in self.kkt_control.documents() if d["mark"] == mark]
        self.assertEqual(len(documents), 1)
        self._assert_screenshots(
            server,
            ["stalled_1_order_list_retry", "stalled_2_printed_after_retry"],
        )
