# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Batched reading of job notifications in the OCA job runner, so that one
transaction committing thousands of jobs cannot freeze dispatching."""

import logging
import os

import odoo
from odoo.modules.module import get_manifest

from odoo.addons.queue_job.jobrunner import queue_job_config
from odoo.addons.queue_job.jobrunner.runner import QueueJobRunner

_logger = logging.getLogger(__name__)

ADDON = "optics_pos_ru54fz"
SUPPORTED_QUEUE_JOB_VERSION = "17.0.1.5.4"
OPTION = "ru54fz_batch_notify"
ENVIRON_OPTION = "ODOO_QUEUE_JOB_RU54FZ_BATCH_NOTIFY"
SLICE_SIZE = 250
MAX_POLLS = 1000


def is_requested():
    """Tell whether the configuration asks for batched notifications.

    The environment variable wins over ``[queue_job] ru54fz_batch_notify``
    in the Odoo configuration file, as for queue_job's own options.
    """
    value = os.environ.get(ENVIRON_OPTION) or queue_job_config.get(OPTION) or ""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def take_notifications(conn, pending):
    """Move the notifications received on ``conn`` into ``pending``.

    The connection is polled (at most ``MAX_POLLS`` times) until it holds no
    more unread notification, so that a job committed just after a burst is
    seen before the burst is read.
    ``pending`` is a dict used as an ordered set of job uuids: a uuid that is
    notified again moves to the end, so the newest notifications come out
    first with ``dict.popitem()``.
    """
    for _poll in range(MAX_POLLS):
        received = len(conn.notifies)
        conn.poll()
        if len(conn.notifies) == received:
            break
    notifications = list(conn.notifies)
    conn.notifies.clear()
    for notification in notifications:
        pending.pop(notification.payload, None)
        pending[notification.payload] = None


def read_jobs(runner, db, uuids):
    """Load the current state of the jobs ``uuids`` of ``db`` in one query and
    hand it to the channel manager; forget the jobs that no longer exist."""
    found = set()
    with db.select_jobs("uuid = ANY(%s)", (uuids,)) as cr:
        for job_data in cr:
            runner.channel_manager.notify(db.db_name, *job_data)
            found.add(job_data[1])
    for uuid in uuids:
        if uuid not in found:
            runner.channel_manager.remove_job(uuid)


def process_notifications(self):
    """Replace ``QueueJobRunner.process_notifications``.

    All waiting notifications are read in slices of at most ``SLICE_SIZE``
    jobs, newest first, with one query per slice; between two slices the jobs
    that are ready are dispatched. A job notified during a burst is thus seen
    after at most one slice instead of after the whole burst. Every job is
    still read from the database after its last notification, so the channel
    manager ends in the same state as with the original method.
    """
    for db in self.db_by_name.values():
        if not db.conn.notifies:
            db.keep_alive()
        pending = {}
        while not self._stop:
            take_notifications(db.conn, pending)
            if not pending:
                break
            size = min(SLICE_SIZE, len(pending))
            read_jobs(self, db, [pending.popitem()[0] for _i in range(size)])
            if pending or db.conn.notifies:
                self.run_jobs()


def post_load():
    """Install the batched notification reading in the job runner when the
    configuration asks for it, the addon is loaded server-wide (the runner is
    created in the server process before any database is loaded) and the
    installed queue_job is the version this change was written for."""
    if not is_requested():
        return
    if ADDON not in odoo.conf.server_wide_modules:
        _logger.warning(
            "%s is set but %s is not a server-wide module: the job runner is "
            "unchanged; start Odoo with --load=web,queue_job,%s",
            OPTION,
            ADDON,
            ADDON,
        )
        return
    version = get_manifest("queue_job").get("version")
    if version != SUPPORTED_QUEUE_JOB_VERSION:
        _logger.error(
            "%s NOT activated: written for queue_job %s, installed version is "
            "%s; the job runner is unchanged",
            OPTION,
            SUPPORTED_QUEUE_JOB_VERSION,
            version,
        )
        return
    QueueJobRunner.process_notifications = process_notifications
    _logger.info(
        "%s active: the job runner reads notifications in slices of %d jobs "
        "and dispatches between slices",
        OPTION,
        SLICE_SIZE,
    )
