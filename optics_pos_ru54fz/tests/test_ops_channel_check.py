# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The job channel check: its doctests, and the verdict this server reports in
the settings and at start-up for the effective channel set-up."""

import os
from unittest import mock

from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from ..models import queue_channel_check
from .ops_common import load_module_doctests

load_tests = load_module_doctests(queue_channel_check)

ISOLATED = "root:5,root.critical:2,root.high:1,root.default:1,root.low:1"


@tagged("post_install", "-at_install")
class TestOpsChannelCheck(TransactionCase):
    def _problems_with(self, channels, workers):
        with (
            mock.patch.dict(os.environ, {"ODOO_QUEUE_JOB_CHANNELS": channels}),
            mock.patch.dict(config.options, {"workers": workers}),
        ):
            return self.env["ru54fz.queue.channel.check"]._get_problems()

    def test_shipped_channel_setup_is_isolated(self):
        self.assertEqual(self._problems_with(ISOLATED, workers=7), [])

    def test_environment_channels_override_the_config_file(self):
        problems = self._problems_with("root:2", workers=7)
        self.assertEqual(
            [problem.code for problem in problems],
            ["channel_missing"] * 4,
        )

    def test_root_capacity_equal_to_workers_is_reported(self):
        codes = [p.code for p in self._problems_with(ISOLATED, workers=5)]
        self.assertEqual(codes, ["root_not_below_workers"])

    def test_channel_of_a_declared_job_function_must_be_configured(self):
        channel = self.env["queue.job.channel"].create(
            {
                "name": "ru54fz_extra",
                "parent_id": self.env.ref("queue_job.channel_root").id,
            }
        )
        function = self.env["queue.job.function"].create(
            {
                "model_id": self.env.ref("optics_kkt_driver.model_kkt_device").id,
                "method": "_ru54fz_extra_test_job",
                "channel_id": channel.id,
            }
        )
        self.env["ir.model.data"].create(
            {
                "module": "optics_pos_ru54fz",
                "name": "job_function_extra_test",
                "model": "queue.job.function",
                "res_id": function.id,
            }
        )
        problems = self._problems_with(ISOLATED, workers=7)
        self.assertEqual([p.code for p in problems], ["channel_missing"])
        self.assertIn("root.ru54fz_extra", str(problems[0].message))

    def test_settings_show_the_verdict(self):
        with (
            mock.patch.dict(os.environ, {"ODOO_QUEUE_JOB_CHANNELS": "root:1"}),
            mock.patch.dict(config.options, {"workers": 2}),
        ):
            settings = self.env["res.config.settings"].create({})
            self.assertFalse(settings.ru54fz_channel_isolated)
            self.assertEqual(settings.ru54fz_channel_setup, "root:1")
            self.assertIn("root.critical", settings.ru54fz_channel_verdict)

        with (
            mock.patch.dict(os.environ, {"ODOO_QUEUE_JOB_CHANNELS": ISOLATED}),
            mock.patch.dict(config.options, {"workers": 7}),
        ):
            settings = self.env["res.config.settings"].create({})
            self.assertTrue(settings.ru54fz_channel_isolated)

    def test_registry_load_logs_each_problem_as_a_warning(self):
        check = self.env["ru54fz.queue.channel.check"]
        with (
            mock.patch.dict(os.environ, {"ODOO_QUEUE_JOB_CHANNELS": "root:8"}),
            mock.patch.dict(config.options, {"workers": 4}),
            self.assertLogs(queue_channel_check.__name__, "WARNING") as logs,
        ):
            check._register_hook()
        self.assertTrue(
            any("Root capacity 8 is not below the 4" in line for line in logs.output)
        )
