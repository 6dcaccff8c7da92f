# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-channel statistics of queue_job, from one SQL view read by the dashboard,
the JSON endpoint and the Prometheus endpoint."""

from decimal import Decimal

from odoo import api, fields, models, tools
from odoo.tools import SQL

LATENCY_WINDOW_MINUTES = 60
DONE_WINDOW_MINUTES = 5

STATISTICS_QUERY = f"""
    WITH now_utc AS (
        SELECT (now() AT TIME ZONE 'UTC') AS at
    ),
    jobs AS (
        SELECT
            job.channel,
            greatest(job.date_created, coalesce(job.eta, job.date_created))
                AS ready_at,
            job.state,
            job.date_started,
            job.date_done
        FROM queue_job job
        WHERE job.channel IS NOT NULL
    ),
    per_channel AS (
        SELECT
            jobs.channel,
            count(*) FILTER (WHERE jobs.state = 'pending') AS pending,
            count(*) FILTER (WHERE jobs.state = 'enqueued') AS enqueued,
            count(*) FILTER (WHERE jobs.state = 'started') AS started,
            count(*) FILTER (WHERE jobs.state = 'failed') AS failed,
            count(*) FILTER (
                WHERE jobs.state = 'done'
                AND jobs.date_done
                    >= now_utc.at - interval '{DONE_WINDOW_MINUTES} minutes'
            ) AS done_recent,
            extract(epoch FROM now_utc.at - min(jobs.ready_at) FILTER (
                WHERE jobs.state = 'pending' AND jobs.ready_at <= now_utc.at
            )) AS oldest_pending_age,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
                ORDER BY extract(epoch FROM jobs.date_started - jobs.ready_at)
            ) FILTER (
                WHERE jobs.date_started
                    >= now_utc.at - interval '{LATENCY_WINDOW_MINUTES} minutes'
                AND jobs.date_started >= jobs.ready_at
            ) AS latencies
        FROM jobs, now_utc
        GROUP BY jobs.channel, now_utc.at
    ),
    channels AS (
        SELECT complete_name AS channel FROM queue_job_channel
        UNION
        SELECT channel FROM per_channel
    )
    SELECT
        row_number() OVER (ORDER BY channels.channel) AS id,
        channels.channel AS name,
        coalesce(per_channel.pending, 0) AS pending,
        coalesce(per_channel.enqueued, 0) AS enqueued,
        coalesce(per_channel.started, 0) AS started,
        coalesce(per_channel.failed, 0) AS failed,
        coalesce(per_channel.done_recent, 0) AS done_recent,
        coalesce(per_channel.oldest_pending_age, 0) AS oldest_pending_age,
        per_channel.latencies[1] AS latency_p50,
        per_channel.latencies[2] AS latency_p95,
        per_channel.latencies[3] AS latency_p99
    FROM channels
    LEFT JOIN per_channel ON per_channel.channel = channels.channel
"""

STATISTICS_COLUMNS = (
    "name",
    "pending",
    "enqueued",
    "started",
    "failed",
    "done_recent",
    "oldest_pending_age",
    "latency_p50",
    "latency_p95",
    "latency_p99",
)


def render_prometheus(rows, problems_count):
    """Render statistics rows in the Prometheus text exposition format.

    :param rows: dictionaries with the keys of ``STATISTICS_COLUMNS``
    :param problems_count: number of channel set-up problems found

    >>> row = dict(name="root.critical", pending=2, enqueued=0, started=1,
    ...            failed=0, done_recent=7, oldest_pending_age=1.5,
    ...            latency_p50=0.2, latency_p95=None, latency_p99=None)
    >>> text = render_prometheus([row], 0)
    >>> critical = 'channel="root.critical"'
    >>> print("\\n".join(line for line in text.splitlines() if critical in line))
    ru54fz_queue_jobs{channel="root.critical",state="pending"} 2
    ru54fz_queue_jobs{channel="root.critical",state="enqueued"} 0
    ru54fz_queue_jobs{channel="root.critical",state="started"} 1
    ru54fz_queue_jobs{channel="root.critical",state="failed"} 0
    ru54fz_queue_jobs_done_recent{channel="root.critical"} 7
    ru54fz_queue_oldest_pending_seconds{channel="root.critical"} 1.5
    ru54fz_queue_start_latency_seconds{channel="root.critical",quantile="0.5"} 0.2
    >>> text.splitlines()[-1]
    'ru54fz_queue_channel_problems 0'
    """
    metrics = [
        ("ru54fz_queue_jobs", "gauge", "Jobs per channel and state."),
        (
            "ru54fz_queue_jobs_done_recent",
            "gauge",
            f"Jobs done in the last {DONE_WINDOW_MINUTES} minutes.",
        ),
        (
            "ru54fz_queue_oldest_pending_seconds",
            "gauge",
            "Age of the oldest pending job that is ready to run.",
        ),
        (
            "ru54fz_queue_start_latency_seconds",
            "gauge",
            f"Start latency quantiles over the last {LATENCY_WINDOW_MINUTES} minutes.",
        ),
    ]
    samples = {name: [] for name, _type, _help in metrics}
    for row in rows:
        channel = row["name"].replace("\\", "\\\\").replace('"', '\\"')
        for state in ("pending", "enqueued", "started", "failed"):
            samples["ru54fz_queue_jobs"].append(
                (f'channel="{channel}",state="{state}"', row[state])
            )
        samples["ru54fz_queue_jobs_done_recent"].append(
            (f'channel="{channel}"', row["done_recent"])
        )
        samples["ru54fz_queue_oldest_pending_seconds"].append(
            (f'channel="{channel}"', row["oldest_pending_age"])
        )
        for quantile, key in (
            ("0.5", "latency_p50"),
            ("0.95", "latency_p95"),
            ("0.99", "latency_p99"),
        ):
            if row[key] is not None:
                samples["ru54fz_queue_start_latency_seconds"].append(
                    (f'channel="{channel}",quantile="{quantile}"', row[key])
                )

    lines = []
    for name, metric_type, help_text in metrics:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {metric_type}")
        lines.extend(f"{name}{{{labels}}} {value:g}" for labels, value in samples[name])
    lines.append(
        "# HELP ru54fz_queue_channel_problems Channel set-up problems that break "
        "the isolation of root.critical."
    )
    lines.append("# TYPE ru54fz_queue_channel_problems gauge")
    lines.append(f"ru54fz_queue_channel_problems {problems_count}")
    return "\n".join(lines) + "\n"


class Ru54fzQueueStatistics(models.Model):
    _name = "ru54fz.queue.statistics"
    _description = "Job queue statistics per channel"
    _auto = False
    _order = "name"

    name = fields.Char(string="Channel", readonly=True)
    pending = fields.Integer(readonly=True)
    enqueued = fields.Integer(readonly=True)
    started = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True)
    done_recent = fields.Integer(string="Done (last 5 min)", readonly=True)
    oldest_pending_age = fields.Float(
        string="Oldest pending (s)",
        readonly=True,
        help="Seconds since the oldest pending job became ready to run.",
    )
    latency_p50 = fields.Float(string="Start latency p50 (s)", readonly=True)
    latency_p95 = fields.Float(string="Start latency p95 (s)", readonly=True)
    latency_p99 = fields.Float(
        string="Start latency p99 (s)",
        readonly=True,
        help="Seconds from the moment a job could run (creation or ETA) to its "
        "start, over jobs started in the last hour.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(STATISTICS_QUERY),
            )
        )

    @api.model
    def _read_statistics(self):
        """Return one dictionary per channel, read straight from the SQL view."""
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s ORDER BY name",
                SQL(", ").join(map(SQL.identifier, STATISTICS_COLUMNS)),
                SQL.identifier(self._table),
            )
        )
        return [
            {
                column: float(value) if isinstance(value, Decimal) else value
                for column, value in zip(STATISTICS_COLUMNS, row, strict=True)
            }
            for row in self.env.cr.fetchall()
        ]
