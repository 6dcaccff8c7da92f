# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No-op and sleeping jobs used by the bulkhead benchmark and tests; only
administrators can enqueue them and no menu shows them."""

import os
import time

from odoo import _, api, models
from odoo.exceptions import AccessError


class Ru54fzBenchJob(models.AbstractModel):
    _name = "ru54fz.bench.job"
    _description = "Benchmark Jobs"

    @api.model
    def enqueue(self, key, channel, seconds=0.0, priority=None):
        """Enqueue one benchmark job on ``channel`` and return its uuid.

        The job sleeps ``seconds`` after recording its start; with 0 it is a
        no-op.
        """
        self._check_bench_access()
        delayable = self.with_delay(channel=channel, priority=priority)
        return delayable._bench_sleep(key, seconds).uuid

    @api.model
    def enqueue_burst(self, prefix, count, channel, seconds=0.0):
        """Enqueue ``count`` benchmark jobs on ``channel`` in the current
        transaction, keyed ``<prefix>-<n>``, and return ``count``."""
        self._check_bench_access()
        for index in range(count):
            self.with_delay(channel=channel)._bench_sleep(f"{prefix}-{index}", seconds)
        return count

    @api.model
    def _bench_sleep(self, key, seconds=0.0):
        """Job: record one execution of ``key``, then sleep ``seconds``.

        The execution is committed at once in its own transaction, so that it
        stays counted when the worker dies during the sleep. Not idempotent on
        purpose: every run adds a row.
        """
        with self.env.registry.cursor() as cr:
            cr.execute(
                "INSERT INTO ru54fz_bench_run (key, started_at, pid)"
                " VALUES (%s, %s, %s)",
                (key, time.time(), os.getpid()),
            )
        if seconds:
            time.sleep(seconds)
        return key

    def _check_bench_access(self):
        if not self.env.user._is_system():
            raise AccessError(_("Only administrators can enqueue benchmark jobs."))
