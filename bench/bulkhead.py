#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulkhead benchmark: start latency of critical jobs on a real Odoo server with
the real job runner, quiet, behind a waiting low backlog and across a low burst."""

import argparse
import importlib
import math
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parent.parent
ADDON = "optics_pos_ru54fz"
CHANNELS = "root:4,root.critical:2,root.high:1,root.default:1,root.low:1"
FIX_ACTIVE = "ru54fz_batch_notify active"


def load_tools():
    """Import the repository's server harness (``tools`` and ``tests.harness``),
    which live next to this script's folder."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return (
        importlib.import_module("tools.odoo"),
        importlib.import_module("tools.databases"),
        importlib.import_module("tests.harness"),
    )


@dataclass(frozen=True)
class ServerWideAddon:
    """An Odoo install whose servers also load our addon server-wide, as the
    batched notification reading requires (``--load`` is the last option)."""

    install: object

    def server_args(self, *args):
        return self.install.server_args(*args, f"--load=base,web,queue_job,{ADDON}")


@contextmanager
def bench_server(args, fix):
    """A fresh server (6 workers, the four channels, the fix on or off) on a
    copy of the template database; stopped and dropped on exit."""
    server = args.harness.ExternalOdoo(
        ServerWideAddon(args.install),
        args.template,
        workers=args.workers,
        channels=CHANNELS,
        options={"limit_time_cpu": 900, "limit_time_real": 1800},
        queue_job_options={"ru54fz_batch_notify": str(fix)},
    )
    with server:
        if (FIX_ACTIVE in server.log_text()) != fix:
            raise RuntimeError(f"the server log does not show the fix {fix}")
        yield server


def enqueue(rpc, key, channel, seconds=0.0):
    return rpc.call("ru54fz.bench.job", "enqueue", key, channel, seconds)


def enqueue_burst(rpc, prefix, count, channel, seconds):
    return rpc.call(
        "ru54fz.bench.job", "enqueue_burst", prefix, count, channel, seconds
    )


def critical_stream(rpc, label, uuids, finished):
    """Enqueue no-op critical jobs at 10 to 20 per second, each in its own
    transaction, appending their uuids to ``uuids``, until ``finished()``."""
    due = time.monotonic()
    while not finished():
        due += random.uniform(0.05, 0.1)
        time.sleep(max(0.0, due - time.monotonic()))
        uuids.append(enqueue(rpc, f"{label}-{len(uuids)}", "root.critical"))
    return uuids


def stream_of(rpc, label, count):
    """Enqueue ``count`` critical jobs at 10 to 20 per second; return uuids."""
    uuids = []
    return critical_stream(rpc, label, uuids, lambda: len(uuids) >= count)


def wait_done(db, uuids, timeout):
    """Wait until the jobs ``uuids`` are done; raise after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    with closing(psycopg2.connect(dbname=db)) as conn:
        conn.autocommit = True
        while True:
            with closing(conn.cursor()) as cr:
                cr.execute(
                    "SELECT count(*) FROM queue_job"
                    " WHERE uuid = ANY(%s) AND state = 'done'",
                    (uuids,),
                )
                if cr.fetchone()[0] == len(uuids):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"critical jobs not done after {timeout}s")
            time.sleep(0.2)


def start_latencies(db, uuids):
    """Return, in enqueue order, ``(created, started)`` epoch seconds of the
    jobs ``uuids``: creation in the enqueuing transaction, start as recorded
    by the job itself."""
    with closing(psycopg2.connect(dbname=db)) as conn:
        with closing(conn.cursor()) as cr:
            cr.execute(
                "SELECT j.uuid, EXTRACT(EPOCH FROM j.date_created), min(r.started_at)"
                " FROM queue_job j JOIN ru54fz_bench_run r"
                " ON r.key = j.args::jsonb->>0"
                " WHERE j.uuid = ANY(%s) GROUP BY j.uuid, j.date_created",
                (uuids,),
            )
            rows = {uuid: (float(c), float(s)) for uuid, c, s in cr.fetchall()}
    return [rows[uuid] for uuid in uuids]


def percentile(values, rank):
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def summarize(times):
    latencies = [started - created for created, started in times]
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
    }


def warm_up(server, rpc, count=40):
    """Let every worker load its registry and routing map before measuring."""
    clients = [server.rpc() for _i in range(4)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        uuids = list(
            pool.map(
                lambda i: enqueue(clients[i % 4], f"warm-{i}", "root.critical"),
                range(count),
            )
        )
    wait_done(server.database, uuids, timeout=120)
    time.sleep(1)


def scenario_quiet(server, rpc, args):
    uuids = stream_of(rpc, "quiet", args.critical)
    wait_done(server.database, uuids, timeout=300)
    return summarize(start_latencies(server.database, uuids)), ""


def scenario_backlog(server, rpc, args):
    started = time.monotonic()
    enqueue_burst(rpc, "backlog", args.jobs, "root.low", args.low_seconds)
    built = time.monotonic() - started
    probe = enqueue(rpc, "probe", "root.critical")
    wait_done(server.database, [probe], timeout=600)
    time.sleep(2)
    uuids = stream_of(rpc, "backlog", args.critical)
    wait_done(server.database, uuids, timeout=300)
    note = f"backlog enqueued in one transaction of {built:.0f}s before the stream"
    return summarize(start_latencies(server.database, uuids)), note


def scenario_burst(server, rpc, args):
    """Commit the burst in the middle of the measured critical stream.

    The stream runs while the burst transaction is being built, however long
    that takes; the measured jobs are the last ``critical // 2`` enqueued
    before the burst committed and the ``critical // 2`` enqueued after.
    """
    streamed = []
    committed = []

    burst_rpc = server.rpc()

    def burst():
        enqueue_burst(burst_rpc, "burst", args.jobs, "root.low", args.low_seconds)
        committed.append(len(streamed))

    def finished():
        return committed and len(streamed) >= committed[0] + args.critical // 2

    thread = threading.Thread(target=burst)
    thread.start()
    critical_stream(rpc, "burst", streamed, finished)
    thread.join()
    start = max(0, committed[0] - args.critical // 2)
    uuids = streamed[start:]
    wait_done(server.database, uuids, timeout=900)
    note = f"{start} more critical jobs ran while the burst was being built"
    return summarize(start_latencies(server.database, uuids)), note


SCENARIOS = [
    ("no backlog", scenario_quiet),
    ("waiting backlog", scenario_backlog),
    ("burst in one transaction", scenario_burst),
]


def run_series(args, fix):
    quiet_p99 = None
    for name, scenario in SCENARIOS:
        with bench_server(args, fix) as server:
            rpc = server.rpc()
            warm_up(server, rpc)
            figures, note = scenario(server, rpc, args)
        quiet_p99 = quiet_p99 or figures["p99"]
        print_row(fix, name, figures, quiet_p99, note)


def print_header(args):
    print(
        f"bulkhead: channels {CHANNELS}, {args.workers} workers, "
        f"{os.cpu_count()} CPUs; {args.critical} critical no-op jobs at 10-20/s; "
        f"{args.jobs} low jobs of {args.low_seconds:g}s"
    )
    print(
        f"{'fix':4} {'scenario':26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'p99 ratio':>9}"
    )
    sys.stdout.flush()


def print_row(fix, name, figures, quiet_p99, note):
    ms = {key: value * 1000 for key, value in figures.items()}
    print(
        f"{'on' if fix else 'off':4} {name:26} {ms['p50']:8.1f} {ms['p95']:8.1f} "
        f"{ms['p99']:8.1f} {ms['max']:8.1f} "
        f"{figures['p99'] / quiet_p99:8.2f}x" + (f"  ({note})" if note else "")
    )
    sys.stdout.flush()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fix", choices=["on", "off", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=10000, help="low jobs")
    parser.add_argument("--low-seconds", type=float, default=1.0)
    parser.add_argument("--critical", type=int, default=200)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--odoo-bin", default=os.environ.get("ODOO_BIN"))
    return parser.parse_args()


def main():
    args = parse_args()
    odoo_tools, databases, args.harness = load_tools()
    args.install, reason = odoo_tools.find_odoo(args.odoo_bin)
    if not args.install:
        raise SystemExit(f"Odoo 17 not found: {reason}")
    args.template = databases.full_template(args.install, print)
    print_header(args)
    fixes = {"on": [True], "off": [False], "both": [False, True]}[args.fix]
    for fix in fixes:
        run_series(args, fix)


if __name__ == "__main__":
    main()
