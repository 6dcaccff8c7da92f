# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The external-server harness itself: a real server with the job runner on a
throw-away database, JSON-RPC, and workers that can be killed by pid."""

import re

import psutil
import pytest

from tests.harness import HTTP_WORKER, RUNNER_WORKER, RpcError
from tools import postgres


def test_server_serves_its_throw_away_database_with_both_addons(odoo_server, rpc):
    installed = rpc.search_read(
        "ir.module.module",
        [("name", "in", ["optics_kkt_driver", "optics_pos_ru54fz", "queue_job"])],
        ["name", "state"],
    )
    assert {module["state"] for module in installed} == {"installed"}
    assert len(installed) == 3
    assert postgres.database_exists(odoo_server.database)


def test_server_runs_the_job_runner_with_the_four_channels(odoo_server):
    assert odoo_server.worker_pids(RUNNER_WORKER)
    configured = re.findall(r"Configured channel: (root[\w.]*)", odoo_server.log_text())
    assert set(configured) == {
        "root",
        "root.critical",
        "root.high",
        "root.default",
        "root.low",
    }


def test_rpc_errors_carry_the_server_message(rpc):
    with pytest.raises(RpcError, match="ru54fz_no_such_model"):
        rpc.call("ru54fz_no_such_model", "search", [])


def test_killed_http_worker_is_replaced_and_server_keeps_answering(odoo_server):
    before = odoo_server.worker_pids(HTTP_WORKER)
    assert len(before) == 3

    odoo_server.kill_worker(before[0])

    assert not psutil.pid_exists(before[0]) or (
        psutil.Process(before[0]).status() == psutil.STATUS_ZOMBIE
    )
    rpc = odoo_server.rpc()
    assert rpc.call("res.users", "read", [rpc.uid], ["login"])[0]["login"] == "admin"


def test_stopped_server_drops_its_database(odoo_factory):
    server = odoo_factory(workers=1)
    database = server.database

    server.stop()

    assert not postgres.database_exists(database)
    assert not psutil.pid_exists(server.server.pid)
