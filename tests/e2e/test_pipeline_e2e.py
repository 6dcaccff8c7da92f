# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal pipeline on a real Odoo server with the real queue_job runner.

Orders go through the POS sync call over JSON-RPC; the runner dispatches the
jobs to the server's workers, which talk to the KKT emulator over TCP. Waits
poll the database with a deadline; nothing asserts on timing.
"""

import threading

import pytest

from tests.harness import HTTP_WORKER, RpcError, paid_order
from tests.harness.waiting import wait_for

CLOSE_RECEIPT = 0xFF45


def read_order(rpc, order_id, *names):
    fields = ["fiscal_state", "fiscal_fd_number", "pos_reference", *names]
    return rpc.call("pos.order", "read", [order_id], fields)[0]


def wait_fiscal_state(rpc, order_id, states=("sent",)):
    return wait_for(
        f"order {order_id} in {states}",
        lambda: (
            (order := read_order(rpc, order_id))["fiscal_state"] in states and order
        ),
    )


def order_jobs(rpc, kind, order_id, fields, state=None):
    """The queue jobs of ``kind`` (fiscal, confirm, ...) of an order, read."""
    domain = [("identity_key", "=", f"ru54fz:{kind}:{order_id}")]
    if state:
        domain.append(("state", "=", state))
    return rpc.search_read("queue.job", domain, fields)


def sync(rpc, payload):
    return rpc.create_from_ui([payload])[0]["id"]


def mark_of(order):
    return order["pos_reference"].split(" ")[-1]


def documents_with_mark(control, mark):
    return [doc for doc in control.documents() if doc["mark"] == mark]


@pytest.fixture
def fiscal_pos(rpc, pos_setup):
    """The POS of ``pos_setup`` with the KKT shift open."""
    rpc.call("kkt.device", "action_kkt_open_shift", [pos_setup.device_id])
    return pos_setup


def test_paid_order_is_fiscalised_end_to_end(rpc, fiscal_pos, kkt_emulator):
    _url, control = kkt_emulator

    order_id = sync(rpc, paid_order(fiscal_pos, 1))
    order = wait_fiscal_state(rpc, order_id)

    (document,) = documents_with_mark(control, mark_of(order))
    assert document["number"] == order["fiscal_fd_number"]


def test_worker_killed_mid_receipt_leaves_one_document(
    odoo_server, rpc, fiscal_pos, kkt_emulator
):
    _url, control = kkt_emulator
    control.set_answer_delay(CLOSE_RECEIPT, 6.0)

    order_id = sync(rpc, paid_order(fiscal_pos, 2))
    job = wait_for(
        "the fiscal job to start",
        lambda: order_jobs(rpc, "fiscal", order_id, ["worker_pid"], "started"),
    )[0]
    wait_for("the receipt to be closed", lambda: control.counter(CLOSE_RECEIPT))
    assert job["worker_pid"] in odoo_server.worker_pids(HTTP_WORKER)
    odoo_server.kill_worker(job["worker_pid"])
    control.set_answer_delay(CLOSE_RECEIPT, 0.0)

    order = wait_fiscal_state(rpc, order_id)

    (document,) = documents_with_mark(control, mark_of(order))
    assert document["number"] == order["fiscal_fd_number"]


def test_lost_close_receipt_answer_is_retried_into_one_document(
    rpc, fiscal_pos, kkt_emulator
):
    _url, control = kkt_emulator
    control.lose_answer(CLOSE_RECEIPT)

    order_id = sync(rpc, paid_order(fiscal_pos, 3))
    order = wait_fiscal_state(rpc, order_id)

    assert len(documents_with_mark(control, mark_of(order))) == 1
    assert read_order(rpc, order_id, "fiscal_attempts")["fiscal_attempts"] >= 2


def test_twenty_failures_dead_letter_the_order(rpc, fiscal_pos):
    function = rpc.call(
        "queue.job.function",
        "search",
        [("name", "=", "<pos.order>._ru54fz_fiscalise")],
    )
    rpc.call("queue.job.function", "write", function, {"edit_retry_pattern": "{1: 1}"})
    rpc.call("kkt.device", "action_kkt_close_shift", [fiscal_pos.device_id])
    try:
        order_id = sync(rpc, paid_order(fiscal_pos, 4))
        order = wait_fiscal_state(rpc, order_id, ("dead_letter",))
    finally:
        rpc.call(
            "queue.job.function",
            "write",
            function,
            {"edit_retry_pattern": "{1: 5, 2: 15, 4: 60, 8: 300, 12: 900, 16: 1800}"},
        )

    assert read_order(rpc, order_id, "fiscal_attempts")["fiscal_attempts"] == 20
    activities = rpc.search_read(
        "mail.activity",
        [("res_model", "=", "pos.order"), ("res_id", "=", order["id"])],
        ["summary"],
    )
    assert activities
    job = order_jobs(rpc, "fiscal", order_id, ["state"])
    assert [row["state"] for row in job] == ["failed"]


def test_refund_refused_before_and_accepted_after_the_original(
    rpc, fiscal_pos, kkt_emulator
):
    _url, control = kkt_emulator
    control.set_answer_delay(CLOSE_RECEIPT, 3.0)
    sale_id = sync(rpc, paid_order(fiscal_pos, 5))
    line = rpc.search_read(
        "pos.order.line", [("order_id", "=", sale_id)], ["product_id", "qty"]
    )[0]
    product = next(p for p in fiscal_pos.products if p["id"] == line["product_id"][0])

    def refund_payload():
        payload = paid_order(fiscal_pos, 6)
        data = payload["data"]
        total = round(-product["price"] * line["qty"], 2)
        data["lines"] = [
            (
                0,
                0,
                {
                    "id": 1,
                    "pack_lot_ids": [],
                    "product_id": product["id"],
                    "qty": -line["qty"],
                    "price_unit": product["price"],
                    "discount": 0.0,
                    "price_subtotal": round(total / 1.22, 2),
                    "price_subtotal_incl": total,
                    "tax_ids": [(6, 0, [fiscal_pos.tax_id])],
                    "refunded_orderline_id": line["id"],
                },
            )
        ]
        data["statement_ids"][0][2]["amount"] = total
        data.update(amount_total=total, amount_paid=total, amount_tax=0.0)
        return payload

    with pytest.raises(RpcError, match="not printed yet"):
        sync(rpc, refund_payload())
    sale = wait_fiscal_state(rpc, sale_id)
    control.set_answer_delay(CLOSE_RECEIPT, 0.0)

    refund_id = sync(rpc, refund_payload())
    wait_fiscal_state(rpc, refund_id)

    (document,) = documents_with_mark(
        control, f"{sale['fiscal_fd_number']}R{refund_id}"
    )
    assert document["operation"] == 2


def test_email_jobs_run_on_root_low_never_on_critical(rpc, fiscal_pos):
    order_ids = [
        sync(rpc, paid_order(fiscal_pos, 10 + index, fiscal_buyer_contact=contact))
        for index, contact in enumerate(["a@example.com", "b@example.com"])
    ]
    for order_id in order_ids:
        wait_fiscal_state(rpc, order_id)

    jobs = wait_for(
        "the e-mail jobs to finish",
        lambda: (
            (
                rows := rpc.search_read(
                    "queue.job",
                    [
                        ("method_name", "=", "_ru54fz_send_receipt_email"),
                        ("state", "=", "done"),
                        ("identity_key", "like", "ru54fz:email:"),
                    ],
                    ["channel", "identity_key"],
                )
            )
            and all(
                any(f":{order_id}:" in row["identity_key"] for row in rows)
                for order_id in order_ids
            )
            and rows
        ),
    )
    assert {job["channel"] for job in jobs} == {"root.low"}
    critical = rpc.search_read(
        "queue.job",
        [("channel", "=", "root.critical"), ("method_name", "like", "_send_receipt")],
        ["id"],
    )
    assert critical == []


def test_invoice_is_made_by_the_root_high_job_after_the_sync(rpc, fiscal_pos):
    partner_id = rpc.call(
        "res.partner", "create", {"name": "E2E buyer", "email": "e2e@example.com"}
    )
    payload = paid_order(fiscal_pos, 30, partner_id=partner_id, to_invoice=True)

    (answer,) = rpc.create_from_ui([payload])

    assert answer["account_move"] is False, "the sync made no invoice"
    order = wait_for(
        "the order to be invoiced",
        lambda: (
            (row := read_order(rpc, answer["id"], "account_move", "state"))[
                "account_move"
            ]
            and row
        ),
    )
    assert order["state"] == "invoiced"
    jobs = rpc.search_read(
        "queue.job",
        [("identity_key", "like", f"ru54fz:%:{answer['id']}")],
        ["method_name", "channel"],
    )
    channels = {job["method_name"]: job["channel"] for job in jobs}
    assert channels["_ru54fz_confirm_order"] == "root.high"
    assert channels["_ru54fz_send_invoice"] == "root.low"
    (move,) = rpc.call(
        "account.move", "read", [order["account_move"][0]], ["state", "payment_state"]
    )
    assert move["state"] == "posted"
    assert move["payment_state"] in ("paid", "in_payment")
    assert wait_fiscal_state(rpc, answer["id"])["fiscal_fd_number"]


def test_same_orders_synced_twice_at_once_are_saved_and_printed_once(
    odoo_server, fiscal_pos, kkt_emulator
):
    # As a POS that lost the answer of a sync and sent it again while the
    # first call was still running, or two tabs of one POS.
    _url, control = kkt_emulator
    batch = [paid_order(fiscal_pos, 40 + index) for index in range(10)]
    names = [payload["data"]["name"] for payload in batch]
    clients = [odoo_server.rpc(), odoo_server.rpc()]
    start = threading.Barrier(len(clients))
    answers = []

    def sync_batch(client):
        start.wait()
        answers.append(client.create_from_ui(batch))

    threads = [threading.Thread(target=sync_batch, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == 2, "both syncs were answered"
    rpc = clients[0]
    orders = rpc.search_read(
        "pos.order", [("pos_reference", "in", names)], ["pos_reference"]
    )
    assert sorted(order["pos_reference"] for order in orders) == sorted(names)
    for order in orders:
        order = wait_fiscal_state(rpc, order["id"])
        assert len(documents_with_mark(control, mark_of(order))) == 1


def test_invoice_that_cannot_be_made_is_told_on_the_order(rpc, fiscal_pos):
    # The runner rolls the failed job's transaction back; what the order and
    # its managers are told must survive that.
    payload = paid_order(fiscal_pos, 60, to_invoice=True)

    order_id = sync(rpc, payload)

    wait_for(
        "the invoice job to fail",
        lambda: order_jobs(rpc, "confirm", order_id, ["id"], "failed"),
    )
    order = read_order(rpc, order_id, "invoice_error", "account_move", "state")
    assert order["account_move"] is False
    assert order["state"] == "paid", "the order is kept"
    assert "customer" in order["invoice_error"]
    activities = rpc.search_read(
        "mail.activity",
        [("res_model", "=", "pos.order"), ("res_id", "=", order_id)],
        ["summary"],
    )
    assert "Invoice not made" in [activity["summary"] for activity in activities]
