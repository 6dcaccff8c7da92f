# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The runner change in-process: real PostgreSQL notifications come out newest
first, once per job, whatever their number; it installs itself only when asked,
server-wide and on the queue_job version it was written for."""

import importlib
import logging
import os
import select
import time
from contextlib import closing

import psycopg2
import pytest

odoo = pytest.importorskip("odoo")


@pytest.fixture(scope="module")
def batch_notify(odoo_install):
    """The runner change of our addon, imported in this process with Odoo's
    addons path (queue_job and our addons included)."""
    odoo.tools.config["addons_path"] = ",".join(odoo_install.addons_path)
    odoo.modules.module.initialize_sys_path()
    return importlib.import_module(
        "odoo.addons.optics_pos_ru54fz.jobrunner.batch_notify"
    )


@pytest.fixture
def channel(odoo_install):
    """A listening connection and a sending one on a channel of this test."""
    name = f"hg_bulkhead_{os.getpid()}"
    listener = psycopg2.connect(dbname="postgres")
    sender = psycopg2.connect(dbname="postgres")
    listener.autocommit = sender.autocommit = True
    with closing(listener), closing(sender):
        with closing(listener.cursor()) as cr:
            cr.execute(f"LISTEN {name}")
        yield listener, sender, name


def notify(sender, name, payloads):
    """Send ``payloads`` in one transaction, as a job burst would."""
    with sender:
        with closing(sender.cursor()) as cr:
            for payload in payloads:
                cr.execute("SELECT pg_notify(%s, %s)", (name, payload))


def wait_readable(conn):
    assert select.select([conn], [], [], 10)[0], "no notification within 10 s"


def test_newest_notification_comes_out_first_and_repeats_collapse(
    batch_notify, channel
):
    listener, sender, name = channel
    notify(sender, name, ["a", "b"])
    notify(sender, name, ["a", "c"])
    wait_readable(listener)
    time.sleep(0.2)

    pending = {}
    batch_notify.take_notifications(listener, pending)

    assert [pending.popitem()[0] for _i in range(len(pending))] == ["c", "a", "b"]
    assert listener.notifies == []


def test_a_burst_is_read_whole_and_a_later_job_comes_out_first(batch_notify, channel):
    listener, sender, name = channel
    burst = [f"low-{n}" for n in range(20000)]
    notify(sender, name, burst)
    notify(sender, name, ["critical"])
    wait_readable(listener)

    pending = {}
    deadline = time.monotonic() + 30
    while len(pending) < len(burst) + 1 and time.monotonic() < deadline:
        batch_notify.take_notifications(listener, pending)

    assert len(pending) == len(burst) + 1
    assert pending.popitem()[0] == "critical"
    assert set(pending) == set(burst)


@pytest.fixture
def asked_server_wide(batch_notify, monkeypatch):
    """Configuration asking for batched reading, our addon loaded server-wide;
    the runner's method is restored after the test."""
    runner_class = batch_notify.QueueJobRunner
    monkeypatch.setattr(
        runner_class, "process_notifications", runner_class.process_notifications
    )
    monkeypatch.setenv(batch_notify.ENVIRON_OPTION, "1")
    monkeypatch.setattr(
        odoo.conf,
        "server_wide_modules",
        ["base", "web", "queue_job", batch_notify.ADDON],
    )
    return runner_class


def test_batched_reading_is_installed_when_asked_and_loaded_server_wide(
    batch_notify, asked_server_wide, caplog
):
    caplog.set_level(logging.INFO, logger=batch_notify.__name__)
    batch_notify.post_load()

    assert asked_server_wide.process_notifications is batch_notify.process_notifications
    assert "ru54fz_batch_notify active" in caplog.text


def test_batched_reading_refuses_a_queue_job_version_it_was_not_written_for(
    batch_notify, asked_server_wide, caplog, monkeypatch
):
    original = asked_server_wide.process_notifications
    monkeypatch.setattr(batch_notify, "SUPPORTED_QUEUE_JOB_VERSION", "17.0.9.9.9")
    batch_notify.post_load()

    assert asked_server_wide.process_notifications is original
    assert "ru54fz_batch_notify NOT activated" in caplog.text
    assert "17.0.9.9.9" in caplog.text
