# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixture of the fiscal pipeline tests: a KKT emulator on a real socket,
a POS with an open session linked to it, taxes, products and POS order JSON.
"""

from random import randint

from odoo import fields
from odoo.tests import TransactionCase

from odoo.addons.optics_kkt_driver.kkt.emulator.testing import running_emulator
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

FISCAL_JOB = "_ru54fz_fiscalise"
FN_SERIAL = "9999078900054321"


class FiscalPipelineCase(TransactionCase):
    """A POS whose orders are fiscalised on a running emulator.

    Jobs are trapped with queue_job's ``trap_jobs()`` (the runner never sees a
    test transaction) and performed in-process by the tests. The registry is in
    test mode, so the job's own transactions are savepoints of the test's.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.kkt_url, cls.emulator = cls.enterClassContext(
            running_emulator(print_time=0.0, ofd_rate=0, fn_serial=FN_SERIAL)
        )
        cls.env.user.tz = "Europe/Moscow"
        cls.company = cls.env.company
        cls.device = cls.env["kkt.device"].create(
            {
                "name": "KKT test",
                "connection_url": cls.kkt_url,
                "tax_system": "osn",
                "tz": "Europe/Moscow",
                "timeout_scale": 0.2,
                "breaker_threshold": 1000,
            }
        )
        cls.device._kkt_call("open_shift")
        cls._create_taxes_and_products()
        cls._create_pos()

    @classmethod
    def _create_taxes_and_products(cls):
        tax = cls.env["account.tax"]
        cls.tax_22_included = tax.create(
            {
                "name": "VAT 22% incl. (test)",
                "amount": 22,
                "price_include": True,
                "type_tax_use": "sale",
            }
        )
        cls.tax_10 = tax.create(
            {"name": "VAT 10% (test)", "amount": 10, "type_tax_use": "sale"}
        )
        cls.tax_18 = tax.create(
            {"name": "VAT 18% (test)", "amount": 18, "type_tax_use": "sale"}
        )
        product = cls.env["product.product"]

        def create_product(name, price, tax):
            return product.create(
                {
                    "name": name,
                    "available_in_pos": True,
                    "lst_price": price,
                    "taxes_id": [(6, 0, tax.ids)],
                }
            )

        cls.lens = create_product("Lens", 1500.0, cls.tax_22_included)
        cls.frame = create_product("Frame", 1000.0, cls.tax_22_included)
        cls.book = create_product("Book", 100.0, cls.tax_10)
        cls.old_rate_item = create_product("Old rate item", 100.0, cls.tax_18)

    @classmethod
    def _create_pos(cls):
        cls.config = create_pos_config(cls.env, cls.device, "KKT", "KKT")
        cls.cash = cls.config.payment_method_ids.filtered("is_cash_count")
        cls.card = cls.config.payment_method_ids - cls.cash
        cls.config.open_ui()
        cls.session = cls.config.current_session_id
        # As the POS screen does when it loads: its bus channel needs the token.
        cls.session._ensure_access_token()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "POS Manager (test)",
                "login": "ru54fz_pos_manager",
                "email": "manager@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("point_of_sale.group_pos_manager").id])
                ],
            }
        )
        cls.cashier = cls.env["res.users"].create(
            {
                "name": "POS Cashier (test)",
                "login": "ru54fz_pos_cashier",
                "groups_id": [(6, 0, [cls.env.ref("point_of_sale.group_pos_user").id])],
            }
        )

    def ui_order(self, lines, payments=None, contact=None, refund_of=None):
        """Return an order of the test POS as its screen sends it (see
        :func:`pos_ui_order`)."""
        return pos_ui_order(self.session, lines, payments, contact, refund_of)

    def sync(self, *orders):
        """Push orders through the POS sync call; return the pos.order records."""
        result = self.env["pos.order"].create_from_ui(list(orders))
        return self.env["pos.order"].browse([row["id"] for row in result])

    def sync_trapped(self, *orders):
        """Sync with jobs trapped; return ``(orders, trap)``."""
        with trap_jobs() as trap:
            synced = self.sync(*orders)
        return synced, trap

    def fiscal_jobs(self, trap):
        return self.jobs(trap, FISCAL_JOB)

    def jobs(self, trap, method):
        """The jobs of ``method`` that ``trap`` caught."""
        return [job for job in trap.enqueued_jobs if job.method_name == method]

    def channels(self, trap, method):
        """The channels the jobs of ``method`` that ``trap`` caught were put on."""
        return {
            call.properties.get("channel")
            for call in trap.calls
            if call.method.__name__ == method
        }

    def perform(self, job):
        """Run one try of a trapped job in-process, as the runner would.

        Returns the job's result, or the RetryableJobError or FailedJobError it
        raised (caught here, not in ``assertRaises``, whose savepoint would undo
        the job's own committed steps).
        """
        self.env.flush_all()
        try:
            result = job.perform()
        except (RetryableJobError, FailedJobError) as error:
            result = error
        self.env.invalidate_all()
        return result

    def mark(self, order):
        """The tag 1192 mark of a sale: the number part of its POS reference."""
        return order.pos_reference.split(" ")[-1]

    def documents_with_mark(self, mark):
        return [doc for doc in self.emulator.documents() if doc["mark"] == mark]


def create_pos_config(env, device, name, code):
    """Create a POS printing on ``device``, paid in "Cash" or by "Card".

    ``code`` prefixes the codes of its two new journals.
    """
    journal = env["account.journal"]
    cash_journal = journal.create(
        {"name": f"{name} cash", "type": "cash", "code": f"{code}C"}
    )
    bank_journal = journal.create(
        {"name": f"{name} bank", "type": "bank", "code": f"{code}B"}
    )
    method = env["pos.payment.method"]
    cash = method.create(
        {"name": "Cash", "journal_id": cash_journal.id, "is_cash_count": True}
    )
    card = method.create({"name": "Card", "journal_id": bank_journal.id})
    return env["pos.config"].create(
        {
            "name": f"{name} POS",
            "payment_method_ids": [(6, 0, (cash | card).ids)],
            "kkt_device_id": device.id,
        }
    )


def pos_ui_order(session, lines, payments=None, contact=None, refund_of=None):
    """Return an order of ``session`` as the POS screen sends it to
    ``create_from_ui``.

    ``lines`` are ``(product, quantity[, discount %[, unit price]])``;
    ``payments`` are ``(payment method, amount)``, cash for the total when
    None; ``refund_of`` maps products to the pos.order.line they return.
    """
    uid = f"{randint(10000, 99999)}-{randint(100, 999)}-{randint(1000, 9999)}"
    order_lines = []
    for product, quantity, *rest in lines:
        discount = rest[0] if rest else 0.0
        price_unit = rest[1] if len(rest) > 1 else product.lst_price
        taxes = product.taxes_id
        price = price_unit * (1 - discount / 100)
        totals = taxes.compute_all(price, session.currency_id, quantity)
        values = {
            "id": randint(1, 1000000),
            "product_id": product.id,
            "qty": quantity,
            "price_unit": price_unit,
            "discount": discount,
            "price_subtotal": totals["total_excluded"],
            "price_subtotal_incl": totals["total_included"],
            "tax_ids": [(6, 0, taxes.ids)],
            "full_product_name": product.name,
            "pack_lot_ids": [],
        }
        if refund_of:
            values["refunded_orderline_id"] = refund_of[product].id
        order_lines.append((0, 0, values))
    total = sum(line[2]["price_subtotal_incl"] for line in order_lines)
    untaxed = sum(line[2]["price_subtotal"] for line in order_lines)
    cash = session.payment_method_ids.filtered("is_cash_count")[:1]
    payments = payments or [(cash, total)]
    now = fields.Datetime.to_string(fields.Datetime.now())
    data = {
        "name": f"Order {uid}",
        "uid": uid,
        "amount_paid": sum(amount for _method, amount in payments),
        "amount_return": 0,
        "amount_tax": total - untaxed,
        "amount_total": total,
        "date_order": now,
        "fiscal_position_id": False,
        "pricelist_id": session.config_id.pricelist_id.id,
        "lines": order_lines,
        "partner_id": False,
        "pos_session_id": session.id,
        "sequence_number": randint(1, 9999),
        "statement_ids": [
            (0, 0, {"amount": amount, "name": now, "payment_method_id": method.id})
            for method, amount in payments
        ],
        "user_id": session.env.uid,
        "to_invoice": False,
    }
    if contact:
        data["fiscal_buyer_contact"] = contact
    return {"id": uid, "data": data, "to_invoice": False}
