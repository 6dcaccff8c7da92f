# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""`./ru54fz demo`: the main job. A burst of POS orders is fiscalised on the KKT
emulator through the critical channel while a mail backlog waits on low; every
fifth order is to invoice, and its invoice is made on the high channel."""

import importlib
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from datetime import datetime

from . import databases, postgres
from .odoo import ADDONS, REPO
from .pos import configure_pos, paid_order
from .rpc import RpcClient
from .server import OdooServer

RUN_DIR = REPO / ".run"
FN_STATE = RUN_DIR / "kkt-fn.json"
LOG_PATH = RUN_DIR / "logs" / "demo-odoo.log"
FISCAL_TIMEOUT = 300.0
BATCH = 10
BACKLOG_MODEL = "ru54fz.bench.job"
BACKLOG_CHANNEL = "root.low"
BACKLOG_SECONDS = 0.05
GEVENT_OFFSET = 3
DONE_STATES = ("sent", "dead_letter", "needs_attention", "not_required")
INVOICE_EVERY = 5
DEMO_CUSTOMER = "Demo invoice customer"


def _log(message):
    print(f"ru54fz: {message}", flush=True)


def demo_database():
    """Name of the demo database (``ru54fz_demo`` unless RU54FZ_DB_PREFIX is set)."""
    return f"{databases.db_prefix()}_demo"


def prepare_database(install, name):
    """Create the demo database from the template, or bring an existing one up
    to date with our addons' files."""
    template = databases.full_template(install, _log)
    fingerprint = databases.addons_fingerprint(install)
    stamp = RUN_DIR / f"{name}.fingerprint"
    if not postgres.database_exists(name):
        _log(f"creating demo database {name}")
        databases.clone(template, name)
    elif not stamp.exists() or stamp.read_text() != fingerprint:
        _log(f"updating our addons in demo database {name}")
        databases.run_odoo(install, name, ["-u", ",".join(ADDONS)], "demo-update")
    stamp.write_text(fingerprint)


def start_server(install, name, port):
    """Start Odoo with the repository's odoo.conf and the job runner."""
    LOG_PATH.unlink(missing_ok=True)
    server = OdooServer(
        install,
        name,
        workers=None,
        channels=None,
        server_wide_modules=None,
        base_config=REPO / "odoo.conf",
        http_port=port,
        gevent_port=port + GEVENT_OFFSET,
        log_path=LOG_PATH,
    )
    _log(f"starting Odoo on {server.url} (log {LOG_PATH})")
    server.start()
    server.wait_runner_ready()
    return server


def open_shift(rpc, device_id):
    """Read the device status and open its shift when closed."""
    rpc.call("kkt.device", "action_kkt_test_connection", [device_id])
    device = rpc.call("kkt.device", "read", [device_id], ["shift_open"])[0]
    if not device["shift_open"]:
        rpc.call("kkt.device", "action_kkt_open_shift", [device_id])


def cancel_backlog(database):
    """Cancel the backlog jobs an earlier demo left waiting, before the job
    runner starts (so nothing else updates them meanwhile)."""
    result = postgres.psql(
        "UPDATE queue_job SET state = 'cancelled', date_cancelled = now() "
        f"WHERE model_name = '{BACKLOG_MODEL}' AND state IN ('pending', 'enqueued') "
        "RETURNING id",
        database,
    )
    cancelled = len(result.stdout.split())
    if cancelled:
        _log(f"cancelled {cancelled} backlog jobs left by an earlier demo")


def push_orders(rpc, setup, count, backlog):
    """Queue the mail backlog (slow jobs on the low channel), then sync
    ``count`` paid orders in batches as POS screens do; return their ids."""
    _log(f"queueing a backlog of {backlog} slow jobs on {BACKLOG_CHANNEL}")
    rpc.call(
        BACKLOG_MODEL,
        "enqueue_burst",
        f"demo-mail-{int(time.time())}",
        backlog,
        BACKLOG_CHANNEL,
        BACKLOG_SECONDS,
    )
    _log(
        f"pushing {count} POS orders through pos.order.create_from_ui "
        f"(every {INVOICE_EVERY}th to invoice)"
    )
    customer_id = demo_customer(rpc)
    order_ids = []
    for start in range(0, count, BATCH):
        batch = [
            paid_order(setup, index, **invoice_data(index, customer_id))
            for index in range(start, min(count, start + BATCH))
        ]
        order_ids += [row["id"] for row in rpc.create_from_ui(batch)]
    return order_ids


def demo_customer(rpc):
    """Return the id of the customer of the demo's orders to invoice."""
    found = rpc.search_read("res.partner", [("name", "=", DEMO_CUSTOMER)], ["id"])
    if found:
        return found[0]["id"]
    return rpc.call(
        "res.partner",
        "create",
        {"name": DEMO_CUSTOMER, "email": "invoices@demo.example.com"},
    )


def invoice_data(index, customer_id):
    """Order fields making every INVOICE_EVERY-th order one to invoice."""
    if index % INVOICE_EVERY != INVOICE_EVERY - 1:
        return {}
    return {"partner_id": customer_id, "to_invoice": True}


def wait_fiscal(rpc, order_ids, timeout=FISCAL_TIMEOUT):
    """Wait until every order's fiscal job has ended and every order to invoice
    is invoiced (bounded); return the orders."""
    fields = [
        "name",
        "pos_reference",
        "fiscal_state",
        "fiscal_fd_number",
        "fiscal_last_error",
        "to_invoice",
        "account_move",
    ]
    deadline = time.monotonic() + timeout
    while True:
        orders = rpc.call("pos.order", "read", order_ids, fields)
        orders.sort(key=lambda order: order["id"])
        pending = [
            order
            for order in orders
            if order["fiscal_state"] not in DONE_STATES
            or (order["to_invoice"] and not order["account_move"])
        ]
        if not pending or time.monotonic() > deadline:
            return orders
        time.sleep(1.0)


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def channel_timings(rpc, since):
    """Per channel, the start latency (date_started - date_created) and the run
    time of the jobs created since ``since`` that have started, in seconds."""
    jobs = rpc.search_read(
        "queue.job",
        [("date_created", ">=", since), ("date_started", "!=", False)],
        ["channel", "date_created", "date_started", "exec_time"],
    )
    timings = {}
    for job in jobs:
        created = datetime.fromisoformat(job["date_created"])
        started = datetime.fromisoformat(job["date_started"])
        latencies, run_times = timings.setdefault(job["channel"], ([], []))
        latencies.append((started - created).total_seconds())
        if job["exec_time"]:
            run_times.append(job["exec_time"])
    return timings


def fn_check(control, orders, first_fd):
    """Return the problems found comparing orders with the emulator's FN."""
    documents = [doc for doc in control.documents() if doc["number"] > first_fd]
    marks = Counter(doc["mark"] for doc in documents if doc["mark"])
    by_number = {doc["number"]: doc for doc in documents}
    problems = []
    for order in orders:
        document = by_number.get(order["fiscal_fd_number"])
        if not document:
            problems.append(
                f"{order['name']}: FD {order['fiscal_fd_number']} not in the FN"
            )
        elif marks[document["mark"]] != 1:
            count = marks[document["mark"]]
            problems.append(f"{order['name']}: {count} documents carry its mark")
    own_marks = {
        by_number[order["fiscal_fd_number"]]["mark"]
        for order in orders
        if order["fiscal_fd_number"] in by_number
    }
    others = sum(count for mark, count in marks.items() if mark not in own_marks)
    if others:
        _log(
            f"{others} other receipts were printed meanwhile (orders left waiting "
            "by an earlier, interrupted demo run)"
        )
    return problems


def print_report(orders, timings, problems):
    """Print each order's fiscal state and FD number, channel timings and the
    FN check; return True when every order was fiscalised exactly once.

    One KKT prints one receipt at a time, so in a burst the fiscal jobs wait
    for the device: their start latency grows with the burst, their run time
    does not."""
    print("\nOrder                          Fiscal state     FD number  Invoice")
    for order in orders:
        state = order["fiscal_state"] or "-"
        fd_number = order["fiscal_fd_number"] or "-"
        invoice = order["account_move"] and order["account_move"][1]
        if order["to_invoice"]:
            invoice = invoice or "not made"
        print(
            f"{order['pos_reference']:<30} {state:<16} {fd_number!s:<10} "
            f"{invoice or ''}"
        )
        if order["fiscal_state"] != "sent" and order["fiscal_last_error"]:
            print(f"    {order['fiscal_last_error']}")
    states = Counter(order["fiscal_state"] for order in orders)
    print(
        "\nFiscal states: " + ", ".join(f"{s}: {n}" for s, n in sorted(states.items()))
    )
    to_invoice = [order for order in orders if order["to_invoice"]]
    invoiced = [order for order in to_invoice if order["account_move"]]
    print(
        f"Orders to invoice: {len(to_invoice)}, invoiced by their root.high job: "
        f"{len(invoiced)}"
    )
    print(
        "\nStart latency of the jobs queued by the demo (queue_job keeps whole seconds)"
    )
    print(
        "Channel          started  p50 start latency  p99 start latency  p50 run time"
    )
    for channel in sorted(timings):
        latencies, run_times = timings[channel]
        p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
        run = f"{_percentile(run_times, 0.5):9.2f} s" if run_times else "        -"
        print(f"{channel:<15} {len(latencies):>8} {p50:>16.0f} s {p99:>16.0f} s {run}")
    if problems:
        print("\nFN check FAILED:")
        for problem in problems:
            print(f"    {problem}")
    else:
        print(
            f"\nFN check: exactly one fiscal document per order ({len(orders)} orders)"
        )
    return (
        not problems
        and states.get("sent", 0) == len(orders)
        and len(invoiced) == len(to_invoice)
    )


def serve_until_interrupted(server):
    """Block until Ctrl-C or SIGTERM, or until the server process exits."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        while not stop.wait(1.0) and server.process.poll() is None:
            continue
    except KeyboardInterrupt:
        print()


def run(install, args):
    """Run the demo with Odoo found; return the exit code."""
    running_emulator = importlib.import_module("kkt.emulator.testing").running_emulator
    database = demo_database()
    RUN_DIR.mkdir(exist_ok=True)
    prepare_database(install, database)
    cancel_backlog(database)
    with running_emulator(tcp=True, port=args.kkt_port, state=str(FN_STATE)) as (
        kkt_url,
        control,
    ):
        _log(f"KKT emulator on {kkt_url} (FN kept in {FN_STATE})")
        server = start_server(install, database, args.http_port)
        try:
            rpc = RpcClient(server.url)
            rpc.login(database)
            setup = configure_pos(rpc, kkt_url)
            open_shift(rpc, setup.device_id)
            first_fd = max((doc["number"] for doc in control.documents()), default=0)
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1))
            order_ids = push_orders(rpc, setup, args.orders, args.mails)
            orders = wait_fiscal(rpc, order_ids)
            success = print_report(
                orders,
                channel_timings(rpc, since),
                fn_check(control, orders, first_fd),
            )
            pos_url = f"{server.url}/pos/ui?config_id={setup.config_id}"
            print(f"\nPOS screen: {pos_url}  (login admin / admin)")
            print(
                "Live updates on the POS screen use the websocket server on port "
                f"{server.gevent_port}: put a reverse proxy in front that sends "
                "/websocket there.",
                flush=True,
            )
            if not args.stop_after_report:
                _log("serving; press Ctrl-C to stop")
                serve_until_interrupted(server)
        finally:
            _log("stopping Odoo and the emulator")
            server.stop()
            # Its configuration folder; the log is in .run/logs.
            shutil.rmtree(server.workdir, ignore_errors=True)
    return 0 if success else 1


def main(args, install, reason, setup_error=None):
    """Entry point of `./ru54fz demo`; return the exit code."""
    if not install:
        _log(f"Odoo 17 not found ({reason}): install it as a Python package, or pass")
        _log("--odoo-bin PATH (or set ODOO_BIN) to an odoo-bin of Odoo 17.")
        return 2
    if setup_error:
        _log(f"set-up failed: {setup_error}")
        return 1
    sys.path.insert(0, str(REPO / "optics_kkt_driver"))
    return run(install, args)
