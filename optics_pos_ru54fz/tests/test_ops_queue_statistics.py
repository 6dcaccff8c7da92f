# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queue statistics computed from real queue_job rows, read through the model,
the JSON endpoint, the Prometheus endpoint and the dashboard of a running test
server."""

import json

from odoo.tests import HttpCase, new_test_user, tagged

from ..models import queue_statistics
from .ops_common import load_module_doctests

load_tests = load_module_doctests(queue_statistics)

CHANNEL = "root.ru54fz_stats_test"
METRICS_TOKEN = "metrics-test-token"
DASHBOARD_CHECK_JS = """
    const deadline = Date.now() + 20000;
    (function check() {
        const cells = document.querySelectorAll(selector);
        if (cells.length && cells[1].textContent.trim() === "3") {
            console.log("test successful");
        } else if (Date.now() > deadline) {
            console.error("the dashboard shows no row with 3 pending jobs");
        } else {
            setTimeout(check, 200);
        }
    })();
"""


@tagged("post_install", "-at_install")
class TestOpsQueueStatistics(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="ru54fz_stats_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        cls.cashier = new_test_user(
            cls.env,
            login="ru54fz_stats_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "optics_pos_ru54fz.metrics_token", METRICS_TOKEN
        )
        # Started in the last hour, 1, 2, 3, 4 and 100 s after they became ready:
        # five done jobs and one still running (latency 1 s). Two pending jobs
        # (ready 120 s and 30 s ago), one pending with a future ETA, one failed
        # and one done an hour ago, both started outside the latency window.
        for started_after in (1, 2, 3, 4, 100):
            cls._make_job("done", created_ago=600, started_after=started_after)
        cls._make_job("pending", created_ago=120)
        cls._make_job("pending", created_ago=30)
        cls._make_job("pending", created_ago=5, eta_in=3600)
        cls._make_job("started", created_ago=20, started_after=1, done=False)
        cls._make_job("failed", created_ago=7200, started_after=1, done=False)
        cls._make_job("done", created_ago=7200, started_after=1, done_ago=3600)

    @classmethod
    def _make_job(
        cls,
        state,
        created_ago,
        started_after=None,
        eta_in=None,
        done=True,
        done_ago=180,
    ):
        """Store a real job, then place its dates relative to the database clock."""
        job = (
            cls.env["kkt.device"]
            .browse()
            .with_delay(channel=CHANNEL)
            ._ru54fz_purge_traces()
        )
        cls.env.cr.execute(
            """
            UPDATE queue_job
               SET state = %(state)s,
                   date_created = (now() AT TIME ZONE 'UTC')
                                  - make_interval(secs => %(created_ago)s),
                   eta = CASE WHEN %(eta_in)s IS NULL THEN NULL
                              ELSE (now() AT TIME ZONE 'UTC')
                                   + make_interval(secs => %(eta_in)s) END,
                   date_started = CASE WHEN %(started_after)s IS NULL THEN NULL
                              ELSE (now() AT TIME ZONE 'UTC')
                                   - make_interval(secs => %(created_ago)s)
                                   + make_interval(secs => %(started_after)s) END,
                   date_done = CASE WHEN %(done)s
                              THEN (now() AT TIME ZONE 'UTC')
                                   - make_interval(secs => %(done_ago)s) END
             WHERE uuid = %(uuid)s
            """,
            {
                "state": state,
                "created_ago": created_ago,
                "eta_in": eta_in,
                "started_after": started_after,
                "done": done and state == "done",
                "done_ago": done_ago,
                "uuid": job.uuid,
            },
        )

    def _channel_row(self, rows):
        return next(row for row in rows if row["name"] == CHANNEL)

    def test_statistics_count_jobs_per_state_and_measure_start_latency(self):
        row = self._channel_row(self.env["ru54fz.queue.statistics"]._read_statistics())
        self.assertEqual(
            (row["pending"], row["enqueued"], row["started"], row["failed"]),
            (3, 0, 1, 1),
        )
        self.assertEqual(row["done_recent"], 5, "done 3 min ago counts, 1 h ago not")
        self.assertAlmostEqual(row["oldest_pending_age"], 120, delta=1)
        self.assertAlmostEqual(row["latency_p50"], 2.5, places=3)
        self.assertAlmostEqual(row["latency_p95"], 4 + 0.75 * (100 - 4), places=3)
        self.assertAlmostEqual(row["latency_p99"], 4 + 0.95 * (100 - 4), places=3)

    def test_dashboard_lists_declared_channels_without_jobs(self):
        self.env["queue.job.channel"].create(
            {
                "name": "ru54fz_idle_test",
                "parent_id": self.env.ref("queue_job.channel_root").id,
            }
        )
        rows = self.env["ru54fz.queue.statistics"].with_user(self.manager).search([])
        idle = rows.filtered(lambda row: row.name == "root.ru54fz_idle_test")
        self.assertEqual((idle.pending, idle.failed, idle.latency_p99), (0, 0, 0.0))

    def test_json_endpoint_gives_managers_the_statistics(self):
        self.authenticate("ru54fz_stats_manager", "ru54fz_stats_manager")
        response = self.url_open("/ru54fz/queue/stats")
        self.assertEqual(response.status_code, 200)
        payload = json.loads(response.content)
        row = self._channel_row(payload["channels"])
        self.assertEqual((row["pending"], row["started"]), (3, 1))
        self.assertIn("isolated", payload)
        self.assertIsInstance(payload["problems"], list)

    def test_json_endpoint_refuses_cashiers(self):
        self.authenticate("ru54fz_stats_cashier", "ru54fz_stats_cashier")
        response = self.url_open("/ru54fz/queue/stats")
        self.assertEqual(response.status_code, 403)

    def test_metrics_endpoint_needs_the_token_or_a_manager(self):
        anonymous = self.url_open("/ru54fz/queue/metrics")
        self.assertEqual(anonymous.status_code, 401)
        wrong = self.url_open(
            "/ru54fz/queue/metrics", headers={"Authorization": "Bearer nope"}
        )
        self.assertEqual(wrong.status_code, 401)

        self.authenticate("ru54fz_stats_manager", "ru54fz_stats_manager")
        self.assertEqual(self.url_open("/ru54fz/queue/metrics").status_code, 200)

    def test_metrics_endpoint_exposes_prometheus_text(self):
        response = self.url_open(
            "/ru54fz/queue/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        lines = response.text.splitlines()
        self.assertIn(
            f'ru54fz_queue_jobs{{channel="{CHANNEL}",state="pending"}} 3', lines
        )
        self.assertIn(
            f'ru54fz_queue_start_latency_seconds{{channel="{CHANNEL}",'
            f'quantile="0.5"}} 2.5',
            lines,
        )
        self.assertIn("# TYPE ru54fz_queue_oldest_pending_seconds gauge", lines)

    def test_dashboard_shows_each_channel_to_managers(self):
        selector = f'.o_ru54fz_queue_dashboard tr[data-channel="{CHANNEL}"] td'
        code = f"const selector = '{selector}';" + DASHBOARD_CHECK_JS
        self.browser_js(
            "/web#action=optics_pos_ru54fz.action_ru54fz_queue_dashboard",
            code,
            login="ru54fz_stats_manager",
        )
