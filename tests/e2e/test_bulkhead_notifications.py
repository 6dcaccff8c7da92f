# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The batched runner reads real PostgreSQL notifications newest first, once per
job, whatever their number."""

import importlib
import os
import select
import time
from contextlib import closing

import psycopg2
import pytest

from tools.odoo import find_odoo

odoo = pytest.importorskip("odoo")


@pytest.fixture(scope="module")
def batch_notify():
    """The runner change of our addon, imported in this process with Odoo's
    addons path (queue_job and our addons included)."""
    install, reason = find_odoo()
    if not install:
        pytest.skip(f"Odoo 17 not found: {reason}")
    odoo.tools.config["addons_path"] = ",".join(install.addons_path)
    odoo.modules.module.initialize_sys_path()
    return importlib.import_module(
        "odoo.addons.optics_pos_ru54fz.jobrunner.batch_notify"
    )


@pytest.fixture
def channel():
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
