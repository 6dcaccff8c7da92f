#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulkhead benchmark: start latency of critical jobs on a real Odoo server with
the real job runner, quiet, behind a waiting low backlog and across a low burst."""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager

import psycopg2
import requests

import odoo

ADDON = "optics_pos_ru54fz"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANNELS = "root:4,root.critical:2,root.high:1,root.default:1,root.low:1"
FIX_ENVIRON = "ODOO_QUEUE_JOB_RU54FZ_BATCH_NOTIFY"
READY_LINE = "database connections ready"


def odoo_command(odoo_bin):
    """Return the command that starts Odoo 17: the given odoo-bin, else the
    installed ``odoo`` package."""
    if odoo_bin:
        return [sys.executable, odoo_bin]
    return [shutil.which("odoo") or "odoo"]


def addons_path(odoo_bin):
    """Return an addons path holding Odoo's addons, queue_job and ours."""
    if odoo_bin:
        root = os.path.dirname(os.path.abspath(odoo_bin))
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    paths = [os.path.join(root, "addons"), os.path.join(root, "odoo", "addons")]
    paths += list(odoo.addons.__path__)
    paths.append(REPO)
    return ",".join(dict.fromkeys(p for p in paths if os.path.isdir(p)))


def psql(db, sql):
    subprocess.run(["psql", "-q", "-d", db, "-c", sql], check=True)


def database_exists(name):
    with closing(psycopg2.connect(dbname="postgres")) as conn:
        with closing(conn.cursor()) as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return bool(cr.fetchone())


class BenchServer:
    """A real Odoo server in prefork mode with the job runner, on one
    throw-away database, started and stopped by process id."""

    def __init__(self, args):
        self.args = args
        self.db = args.db
        self.url = f"http://127.0.0.1:{args.port}"
        self.workdir = tempfile.mkdtemp(prefix="hg_bulkhead_")
        self.logfile = os.path.join(self.workdir, "odoo.log")
        self.process = None

    def base_command(self):
        return odoo_command(self.args.odoo_bin) + [
            f"--addons-path={addons_path(self.args.odoo_bin)}",
            f"--database={self.db}",
            f"--db-filter=^{self.db}$",
            f"--load=base,web,queue_job,{ADDON}",
        ]

    def create_database(self):
        """Create the database from the template and install the addon."""
        template = ["-T", self.args.template] if self.args.template else []
        subprocess.run(["createdb", *template, self.db], check=True)
        command = self.base_command() + [
            f"--init={ADDON}",
            "--stop-after-init",
            "--no-http",
            f"--logfile={self.logfile}",
        ]
        subprocess.run(command, check=True)

    def drop_database(self):
        subprocess.run(["dropdb", "--if-exists", self.db], check=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def clear_jobs(self):
        psql(self.db, "DELETE FROM queue_job; DELETE FROM ru54fz_bench_run;")

    def start(self, fix):
        config = os.path.join(self.workdir, "odoo.conf")
        with open(config, "w") as handle:
            handle.write(f"[options]\n\n[queue_job]\nchannels = {CHANNELS}\n")
        environ = dict(os.environ, **{FIX_ENVIRON: "1" if fix else "0"})
        environ.pop("ODOO_QUEUE_JOB_CHANNELS", None)
        command = self.base_command() + [
            f"--config={config}",
            f"--http-port={self.args.port}",
            "--http-interface=127.0.0.1",
            f"--workers={self.args.workers}",
            "--max-cron-threads=0",
            "--limit-time-cpu=900",
            "--limit-time-real=1800",
            f"--logfile={self.logfile}",
        ]
        offset = os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0
        self.process = subprocess.Popen(command, env=environ)
        self.wait_for_line(READY_LINE, offset, timeout=120)
        return self.log_since(offset)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_since(self, offset):
        with open(self.logfile, errors="replace") as handle:
            handle.seek(offset)
            return handle.read()

    def wait_for_line(self, text, offset, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited, see {self.logfile}")
            if os.path.exists(self.logfile) and text in self.log_since(offset):
                return
            time.sleep(0.2)
        raise RuntimeError(f"Odoo did not log {text!r} in {timeout}s")

    @contextmanager
    def running(self, fix):
        self.clear_jobs()
        log = self.start(fix)
        try:
            yield log
        finally:
            self.stop()


class Rpc:
    """A JSON-RPC client logged in as the administrator, one HTTP session per
    thread."""

    def __init__(self, url, db, login="admin", password="admin"):
        self.url = url + "/jsonrpc"
        self.db = db
        self.password = password
        self.local = threading.local()
        self.uid = self.call("common", "login", db, login, password)

    def call(self, service, method, *args):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        response = self.local.session.post(self.url, json=payload, timeout=600)
        answer = response.json()
        if "error" in answer:
            raise RuntimeError(json.dumps(answer["error"])[:2000])
        return answer["result"]

    def execute(self, model, method, *args):
        return self.call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            args,
        )


def enqueue(rpc, key, channel, seconds=0.0):
    return rpc.execute("ru54fz.bench.job", "enqueue", key, channel, seconds)


def enqueue_burst(rpc, prefix, count, channel, seconds):
    return rpc.execute(
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
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(rank / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarize(times):
    latencies = [started - created for created, started in times]
    starts = sorted(started for _created, started in times)
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "pause": max(b - a for a, b in zip(starts, starts[1:], strict=False)),
    }


def warm_up(server, rpc, count=40):
    """Let every worker load its registry and routing map before measuring."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        uuids = list(
            pool.map(lambda i: enqueue(rpc, f"warm-{i}", "root.critical"), range(count))
        )
    wait_done(server.db, uuids, timeout=120)
    time.sleep(1)


def scenario_quiet(server, rpc, args):
    uuids = stream_of(rpc, "quiet", args.critical)
    wait_done(server.db, uuids, timeout=300)
    return summarize(start_latencies(server.db, uuids)), ""


def scenario_backlog(server, rpc, args):
    started = time.monotonic()
    enqueue_burst(rpc, "backlog", args.jobs, "root.low", args.low_seconds)
    built = time.monotonic() - started
    probe = enqueue(rpc, "probe", "root.critical")
    wait_done(server.db, [probe], timeout=600)
    time.sleep(2)
    uuids = stream_of(rpc, "backlog", args.critical)
    wait_done(server.db, uuids, timeout=300)
    note = f"backlog enqueued in one transaction of {built:.0f}s before the stream"
    return summarize(start_latencies(server.db, uuids)), note


def scenario_burst(server, rpc, args):
    """Commit the burst in the middle of the measured critical stream.

    The stream runs while the burst transaction is being built, however long
    that takes; the measured jobs are the last ``critical // 2`` enqueued
    before the burst committed and the ``critical // 2`` enqueued after.
    """
    streamed = []
    committed = []

    def burst():
        enqueue_burst(rpc, "burst", args.jobs, "root.low", args.low_seconds)
        committed.append(len(streamed))

    def finished():
        return committed and len(streamed) >= committed[0] + args.critical // 2

    thread = threading.Thread(target=burst)
    thread.start()
    critical_stream(rpc, "burst", streamed, finished)
    thread.join()
    start = max(0, committed[0] - args.critical // 2)
    uuids = streamed[start:]
    wait_done(server.db, uuids, timeout=900)
    note = f"{start} more critical jobs ran while the burst was being built"
    return summarize(start_latencies(server.db, uuids)), note


SCENARIOS = [
    ("no backlog", scenario_quiet),
    ("waiting backlog", scenario_backlog),
    ("burst in one transaction", scenario_burst),
]


def run_series(server, args, fix):
    results = []
    for name, scenario in SCENARIOS:
        with server.running(fix) as log:
            active = "ru54fz_batch_notify active" in log
            if active != fix:
                raise RuntimeError(f"fix expected {fix}, log says {active}")
            rpc = Rpc(server.url, server.db)
            warm_up(server, rpc)
            figures, note = scenario(server, rpc, args)
        results.append((name, figures, note))
        print_row(fix, name, figures, results[0][1]["p99"], note)
    return results


def print_header(args):
    print(
        f"bulkhead: channels {CHANNELS}, {args.workers} workers, "
        f"{os.cpu_count()} CPUs; {args.critical} critical no-op jobs at 10-20/s; "
        f"{args.jobs} low jobs of {args.low_seconds:g}s"
    )
    print(
        f"{'fix':4} {'scenario':26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'pause ms':>9} {'p99 ratio':>9}"
    )
    sys.stdout.flush()


def print_row(fix, name, figures, quiet_p99, note):
    ms = {key: value * 1000 for key, value in figures.items()}
    print(
        f"{'on' if fix else 'off':4} {name:26} {ms['p50']:8.1f} {ms['p95']:8.1f} "
        f"{ms['p99']:8.1f} {ms['max']:8.1f} {ms['pause']:9.1f} "
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
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--db", default=f"hg_bulkhead_{os.getpid()}")
    parser.add_argument(
        "--template",
        default=os.environ.get("RU54FZ_TEMPLATE_DB"),
        help="database to copy before installing the addon (default: empty)",
    )
    parser.add_argument("--odoo-bin", default=os.environ.get("ODOO_BIN"))
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def main():
    args = parse_args()
    server = BenchServer(args)
    if database_exists(args.db):
        raise SystemExit(f"database {args.db} exists; choose another --db")
    server.create_database()
    try:
        print_header(args)
        fixes = {"on": [True], "off": [False], "both": [False, True]}[args.fix]
        for fix in fixes:
            run_series(server, args, fix)
    finally:
        server.stop()
        if not args.keep_db:
            server.drop_database()


if __name__ == "__main__":
    main()
