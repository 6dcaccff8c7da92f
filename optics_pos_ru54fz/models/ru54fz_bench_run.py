# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One row per execution of a benchmark job: the bulkhead tests and the
benchmark count executions and measure start latency with it."""

from odoo import fields, models


class Ru54fzBenchRun(models.Model):
    _name = "ru54fz.bench.run"
    _description = "Benchmark Job Execution"
    _log_access = False
    _order = "id"

    key = fields.Char(required=True, index=True)
    started_at = fields.Float(
        digits=(16, 6), help="Wall clock (epoch seconds) when the job started."
    )
    pid = fields.Integer(help="Process id of the worker that ran the job.")
