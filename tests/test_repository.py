# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The repository around the addons: docker-compose structure, the channel
set-up of odoo.conf, the two README commands, and code quality (ruff, pylint-odoo)."""

import configparser
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tools import testing

REPO = Path(__file__).resolve().parent.parent
ADDONS = ("optics_kkt_driver", "optics_pos_ru54fz")
OUR_CHANNELS = ("root.critical", "root.high", "root.default", "root.low")
README_COMMANDS = (
    "./ru54fz demo   [--odoo-bin PATH] [--stop-after-report] [--orders N]",
    "./ru54fz test   [--odoo-bin PATH]",
)
PYLINT_ODOO_ARGS = (
    "--load-plugins=pylint_odoo",
    "--disable=all",
    "--enable=odoolint",
    "--disable=missing-readme,manifest-superfluous-key",
    "--manifest-required-authors=Optics KKT team",
    "--valid-odoo-versions=17.0",
    "--ignore-paths=.*/kkt/.*",
    "--score=n",
)


def _compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _odoo_conf():
    config = configparser.RawConfigParser()
    config.read(REPO / "odoo.conf")
    return config


def _capacities(channels):
    capacities = {}
    for item in channels.split(","):
        name, _sep, capacity = item.strip().partition(":")
        capacities[name] = int(capacity.split(":")[0] or 1)
    return capacities


def test_compose_runs_postgres_15_odoo_17_with_queue_job_and_the_emulator():
    services = _compose()["services"]

    assert services["db"]["image"] == "postgres:15"
    dockerfile = (REPO / services["odoo"]["build"] / "Dockerfile").read_text()
    assert re.search(r"^FROM odoo:17\s*$", dockerfile, re.MULTILINE)
    assert "odoo-addon-queue_job==17.0.*" in dockerfile
    assert "db" in services["odoo"]["depends_on"]
    emulator = services["kkt-emulator"]
    assert emulator["image"].startswith("python:3")
    assert "python -m kkt.emulator --tcp 7778" in emulator["command"]


def test_compose_mounts_both_addons_and_the_repository_odoo_conf():
    odoo = _compose()["services"]["odoo"]
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in odoo["volumes"]}

    assert mounts["./odoo.conf"] == "/etc/odoo/odoo.conf"
    for addon in ADDONS:
        assert mounts[f"./{addon}"] == f"/mnt/extra-addons/{addon}"
    load = next(arg for arg in odoo["command"] if arg.startswith("--load="))
    assert "queue_job" in load.removeprefix("--load=").split(",")
    addons_path = next(
        arg for arg in odoo["command"] if arg.startswith("--addons-path")
    )
    assert "/mnt/extra-addons" in addons_path


def test_compose_emulator_shares_odoo_network_so_odoo_reaches_it_on_localhost():
    services = _compose()["services"]

    assert services["kkt-emulator"]["network_mode"] == "service:odoo"
    assert "kkt-state" in _compose()["volumes"]


def test_odoo_conf_declares_the_four_channels_under_root():
    capacities = _capacities(_odoo_conf().get("queue_job", "channels"))

    assert set(capacities) == {"root", *OUR_CHANNELS}
    assert all(capacity >= 1 for capacity in capacities.values())


def test_odoo_conf_root_capacity_isolates_the_critical_channel():
    capacities = _capacities(_odoo_conf().get("queue_job", "channels"))
    others = sum(capacities[name] for name in ("root.high", "root.default", "root.low"))

    assert capacities["root"] >= others + capacities["root.critical"]


def test_odoo_conf_keeps_a_worker_free_for_pos_screens():
    config = _odoo_conf()
    capacities = _capacities(config.get("queue_job", "channels"))

    assert config.getint("options", "workers") > capacities["root"]
    assert "queue_job" in config.get("options", "server_wide_modules").split(",")


def test_requirements_pin_queue_job_17_and_leave_odoo_out():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    names = [
        re.split(r"[<>=!~ ]", line)[0].lower() for line in lines if line[:1].isalpha()
    ]

    assert "odoo-addon-queue_job==17.0.*" in lines
    assert "odoo" not in names
    for needed in ("pyserial", "requests", "websocket-client", "pytest", "pyyaml"):
        assert needed in names


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()

    for command in README_COMMANDS:
        assert command in readme
    assert ci.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in ci
    assert re.search(r"^\./ru54fz test$", ci, re.MULTILINE)


def test_ru54fz_command_offers_demo_and_test():
    result = subprocess.run(
        [sys.executable, str(REPO / "ru54fz"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "demo" in result.stdout
    assert "test" in result.stdout


def test_code_is_ruff_formatted():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", ".", "ru54fz"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_code_passes_ruff_lint():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", ".", "ru54fz"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_addons_pass_pylint_odoo():
    result = subprocess.run(
        [sys.executable, "-m", "pylint", *PYLINT_ODOO_ARGS, *ADDONS],
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


ODOO_LOG = """\
2026-12-04 17:10:04,781 1 INFO db odoo.addons.x.tests.test_a: Starting A.test_one ...
2026-12-04 17:10:05,100 1 INFO db odoo.addons.x.tests.test_a: skipped A.test_slow : too slow here
2026-12-04 17:10:06,000 1 ERROR db odoo.addons.x.tests.test_a: FAIL: A.test_two
2026-12-04 17:10:09,000 1 INFO db odoo.tests.result: 1 failed, 0 error(s) of 10 tests when loading database 'db'
"""  # noqa: E501


def test_odoo_log_report_gives_passed_failed_and_skipped_counts():
    result = testing.PartResult("odoo")

    testing.parse_odoo_log(ODOO_LOG, result)

    assert (result.passed, result.failed, result.skipped) == (8, 1, 1)


def test_skipped_browser_tour_counts_as_a_failure():
    log = ODOO_LOG.replace("too slow here", "Chrome Browser not found")
    result = testing.PartResult("odoo")

    testing.parse_odoo_log(log, result)

    assert result.failed == 2
    assert any("browser tour skipped" in note for note in result.notes)


def test_odoo_log_without_a_test_report_counts_as_a_failure():
    result = testing.PartResult("odoo")

    testing.parse_odoo_log("Traceback (most recent call last):\n", result)

    assert result.failed == 1


def test_summary_line_adds_up_every_part_and_fails_on_any_failure(capsys):
    parts = [
        testing.PartResult("pure", passed=5, skipped=1),
        testing.PartResult("odoo", passed=3, failed=1, skipped=2),
    ]

    exit_code = testing.summarise(parts)

    last_line = capsys.readouterr().out.splitlines()[-1]
    assert last_line == "ru54fz: 8 passed, 1 failed, 3 skipped"
    assert exit_code == 1
