# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Enqueue one job per record for many records in bounded slices, so that no
single transaction commits thousands of jobs at once."""

from odoo import api, models

from odoo.addons.queue_job.job import identity_exact

SLICE_SIZE = 200
JOB_OPTIONS = ("priority", "eta", "max_retries", "description", "channel")


class Ru54fzJobSlicer(models.AbstractModel):
    _name = "ru54fz.job.slicer"
    _description = "Enqueue Many Jobs in Slices"

    @api.model
    def _delay_in_slices(
        self, records, method_name, args=(), slice_size=SLICE_SIZE, **options
    ):
        """Enqueue ``records[i].<method_name>(*args)`` as one job per record.

        Up to ``slice_size`` records the jobs are enqueued in the current
        transaction. Beyond, one fan-out job per slice is enqueued instead, on
        the same channel; each fan-out job enqueues the jobs of its slice in
        its own transaction. A mass mailing thus never commits more than
        ``slice_size`` jobs at once, and the job runner never has to read
        thousands of new jobs before it can dispatch a fiscal receipt.

        :param options: ``priority``, ``eta``, ``max_retries``,
            ``description``, ``channel`` as for ``with_delay``, and
            ``identity_exact=True`` to skip a job already waiting with the
            same method and arguments
        :return: the number of jobs enqueued now (record jobs or fan-out jobs)
        """
        unknown = set(options) - set(JOB_OPTIONS) - {"identity_exact"}
        if unknown:
            raise TypeError(f"unknown job options: {', '.join(sorted(unknown))}")
        if len(records) <= slice_size:
            self._delay_each(records, method_name, list(args), options)
            return len(records)
        fan_out_options = self._job_options(options, identity=False)
        for start in range(0, len(records), slice_size):
            ids = records.ids[start : start + slice_size]
            self.with_delay(**fan_out_options)._enqueue_slice(
                records._name, ids, method_name, list(args), options
            )
        return -(-len(records) // slice_size)

    @api.model
    def _enqueue_slice(self, model_name, ids, method_name, args, options):
        """Job: enqueue ``<method_name>(*args)`` for each existing record
        ``ids`` of ``model_name``.

        Not idempotent by itself: run twice, it enqueues the jobs twice unless
        ``options`` asks for ``identity_exact``.
        """
        records = self.env[model_name].browse(ids).exists()
        self._delay_each(records, method_name, args, options)
        return len(records)

    def _delay_each(self, records, method_name, args, options):
        job_options = self._job_options(options, identity=True)
        for record in records:
            getattr(record.with_delay(**job_options), method_name)(*args)

    def _job_options(self, options, identity):
        job_options = {key: options[key] for key in JOB_OPTIONS if key in options}
        if identity and options.get("identity_exact"):
            job_options["identity_key"] = identity_exact
        return job_options
