# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The job runner with batched notifications keeps queue_job's guarantees:
bursts run exactly once, dead workers' jobs are requeued, channels hold."""

import time
from contextlib import closing
from dataclasses import dataclass

import psycopg2
import pytest

from tests.harness import HTTP_WORKER, ExternalOdoo

ADDON = "optics_pos_ru54fz"
CHANNELS = "root:4,root.critical:2,root.high:1,root.default:1,root.low:1"
REQUEUE_DELAY = 10


@dataclass(frozen=True)
class ServerWideAddon:
    """An Odoo install whose servers also load our addon server-wide, as the
    batched notification reading requires (``--load`` is the last option)."""

    install: object

    def server_args(self, *args):
        return self.install.server_args(*args, f"--load=base,web,queue_job,{ADDON}")


@pytest.fixture(scope="module")
def server(odoo_install, odoo_template):
    """A server with four workers, the four channels and batched notifications."""
    with ExternalOdoo(
        ServerWideAddon(odoo_install),
        odoo_template,
        workers=4,
        channels=CHANNELS,
        queue_job_options={"ru54fz_batch_notify": "True"},
    ) as odoo:
        yield odoo


@pytest.fixture(scope="module")
def rpc(server):
    return server.rpc()


def query(server, sql, args=()):
    with closing(psycopg2.connect(dbname=server.database)) as conn:
        with closing(conn.cursor()) as cr:
            cr.execute(sql, args)
            return cr.fetchall()


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.3)


def runs_by_key(server, pattern):
    """Return ``{key: [(started_at, pid), ...]}`` of the benchmark job runs."""
    rows = query(
        server,
        "SELECT key, started_at, pid FROM ru54fz_bench_run WHERE key LIKE %s"
        " ORDER BY started_at",
        (pattern,),
    )
    runs = {}
    for key, started_at, pid in rows:
        runs.setdefault(key, []).append((started_at, pid))
    return runs


def states(server, uuids):
    rows = query(
        server, "SELECT uuid, state FROM queue_job WHERE uuid = ANY(%s)", (uuids,)
    )
    return dict(rows)


def test_server_log_says_batched_notifications_are_active(server):
    assert "ru54fz_batch_notify active" in server.log_text()


def test_every_job_of_a_burst_runs_exactly_once(server, rpc):
    count = 1200
    for channel in ("root.low", "root.default"):
        rpc.call("ru54fz.bench.job", "enqueue_burst", f"once-{channel}", count, channel)

    def all_done():
        done = query(
            server,
            "SELECT count(*) FROM queue_job WHERE state = 'done'"
            " AND args::jsonb->>0 LIKE 'once-%%'",
        )
        return done[0][0] == 2 * count

    wait_until(all_done, 600, "the burst did not finish in 10 minutes")
    runs = runs_by_key(server, "once-%")
    assert len(runs) == 2 * count
    assert {len(starts) for starts in runs.values()} == {1}


def test_job_of_a_killed_worker_is_requeued_and_runs_again(server, rpc):
    uuid = rpc.call("ru54fz.bench.job", "enqueue", "killed", "root.low", 30.0)
    wait_until(lambda: runs_by_key(server, "killed"), 120, "the long job never started")
    [(_started, pid)] = runs_by_key(server, "killed")["killed"]
    assert pid in server.worker_pids(HTTP_WORKER)

    server.kill_worker(pid)
    # queue_job requeues a started job once it has been enqueued for more
    # than 10 s and its lock is free; the runner checks on its next wake-up,
    # which a new job triggers.
    time.sleep(REQUEUE_DELAY + 2)
    rpc.call("ru54fz.bench.job", "enqueue", "wake-up", "root.critical", 0.0)

    wait_until(
        lambda: len(runs_by_key(server, "killed").get("killed", [])) == 2,
        120,
        "the job of the killed worker was not run again",
    )
    [(retry,)] = query(server, "SELECT retry FROM queue_job WHERE uuid = %s", (uuid,))
    assert retry == 1
    assert "Re-queued dead job with uuid: " + uuid in server.log_text()


def test_critical_jobs_keep_priority_over_low_ones_inside_root(server, rpc):
    for channel in ("root.high", "root.default"):
        rpc.call("ru54fz.bench.job", "enqueue", f"busy-{channel}", channel, 20.0)
    rpc.call("ru54fz.bench.job", "enqueue_burst", "prio-low", 30, "root.low", 5.0)
    wait_until(
        lambda: len(runs_by_key(server, "busy-%")) == 2,
        120,
        "the high and default jobs did not start",
    )

    critical = [
        rpc.call("ru54fz.bench.job", "enqueue", f"prio-critical-{n}", "root.critical")
        for n in range(10)
    ]
    wait_until(
        lambda: set(states(server, critical).values()) == {"done"},
        120,
        "the critical jobs did not finish",
    )

    critical_runs = runs_by_key(server, "prio-critical-%")
    last_critical = max(starts[0][0] for starts in critical_runs.values())
    low_starts = [
        started
        for starts in runs_by_key(server, "prio-low-%").values()
        for started, _pid in starts
    ]
    assert len(critical_runs) == 10
    assert len([s for s in low_starts if s < last_critical]) <= 2


def test_batched_notifications_stay_off_unless_the_addon_is_server_wide(
    odoo_factory,
):
    odoo = odoo_factory(workers=2, queue_job_options={"ru54fz_batch_notify": "True"})
    odoo.rpc()
    log = odoo.log_text()
    assert "ru54fz_batch_notify is set but optics_pos_ru54fz is not" in log
    assert "ru54fz_batch_notify active" not in log
