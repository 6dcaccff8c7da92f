# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""`./ru54fz test`: the pure-Python suite always, the Odoo suite and the
external-server tests when Odoo 17 is found, then one summary line."""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import psutil

from . import databases, environment
from .odoo import ADDONS, REPO
from .server import free_port

LOG_DIR = REPO / ".run" / "logs"
PURE_TIMEOUT = 15 * 60
ODOO_TIMEOUT = 25 * 60
E2E_TIMEOUT = 15 * 60
ODOO_TEST_TAGS = ",".join(f"/{name}" for name in (*ADDONS, "queue_job"))
ODOO_REPORT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
ODOO_SKIP = re.compile(r"\bskipped (.+?) : (.*)$")
BROWSER_SKIP = re.compile(r"chrome|browser|websocket", re.IGNORECASE)
ODOO_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


@dataclass
class PartResult:
    """Counts of one part of the run."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    notes: list = field(default_factory=list)


def run_bounded(argv, timeout, env=None):
    """Run ``argv`` in its own process group; after ``timeout`` seconds kill it
    and every process it started (Odoo servers run in their own sessions).
    Return the exit code, or None when it was killed."""
    process = subprocess.Popen(
        argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def _log(message):
    print(f"ru54fz: {message}", flush=True)


def _banner(lines):
    width = max(len(line) for line in lines) + 4
    print("\n" + "#" * width, flush=True)
    for line in lines:
        print(f"# {line.ljust(width - 4)} #")
    print("#" * width + "\n", flush=True)


def run_pytest(name, args, timeout, env=None):
    """Run pytest in a subprocess and read its counts from a JUnit XML report."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    report = LOG_DIR / f"{databases.db_prefix()}-pytest-{name}.xml"
    report.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *args]
    _log(f"{name}: {' '.join(argv[1:])}")
    returncode = run_bounded(argv, timeout, env)
    result = PartResult(name)
    if report.exists():
        for suite in ET.parse(report).getroot().iter("testsuite"):
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            result.failed += failed
            result.skipped += skipped
            result.passed += int(suite.get("tests", 0)) - failed - skipped
    if returncode is None:
        result.failed += 1
        result.notes.append(f"pytest killed after {timeout / 60:.0f} minutes")
    elif returncode not in (0, 5) and not result.failed:
        result.failed = 1
        result.notes.append(f"pytest exited with code {returncode}")
    return result


def pure_suite():
    """The tests that need neither Odoo nor a server: always run."""
    return run_pytest("pure", ["tests", "--ignore=tests/e2e"], PURE_TIMEOUT)


def _browser_problems():
    problems = []
    if importlib.util.find_spec("websocket") is None:
        problems.append("websocket-client is not installed: browser tours cannot run")
    if not environment.find_browser():
        problems.append("chromium is not installed: browser tours cannot run")
    return problems


def parse_odoo_log(text, result):
    """Fill ``result`` from an Odoo test log; count silent problems as failures."""
    report = ODOO_REPORT.search(text)
    if not report:
        result.failed += 1
        result.notes.append("Odoo printed no test report (did it crash?)")
        return
    failed, errors, total = (int(number) for number in report.groups())
    skips = [match for line in text.splitlines() if (match := ODOO_SKIP.search(line))]
    result.failed += failed + errors
    result.skipped += len(skips)
    result.passed += total - failed - errors - len(skips)
    for match in skips:
        if BROWSER_SKIP.search(match.group(2)):
            result.failed += 1
            result.notes.append(
                f"browser tour skipped: {match.group(1)}: {match.group(2)}"
            )
    error_lines = [line for line in text.splitlines() if ODOO_ERROR.match(line)]
    if error_lines and not failed + errors:
        result.failed += 1
        result.notes.append(f"errors in the Odoo log, first: {error_lines[0][:200]}")


def odoo_suite(install):
    """Install both addons on a throw-away database and run the Odoo tests of
    our addons and of queue_job (updated in the same run, so with ours)."""
    result = PartResult("odoo")
    for problem in _browser_problems():
        result.failed += 1
        result.notes.append(problem)
    database = f"{databases.db_prefix()}_test_{os.getpid()}"
    log_path = LOG_DIR / f"{databases.db_prefix()}-odoo-tests.log"
    log_path.unlink(missing_ok=True)
    databases.clone(databases.base_template(install, _log), database)
    argv = install.server_args(
        "-d",
        database,
        "-i",
        ",".join(ADDONS),
        "-u",
        "queue_job",
        "--test-enable",
        f"--test-tags={ODOO_TEST_TAGS}",
        "--load=web,queue_job",
        "--stop-after-init",
        "--workers=0",
        "--max-cron-threads=0",
        f"--http-port={free_port()}",
        f"--gevent-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--log-level=info",
        f"--data-dir={databases.DATA_DIR}",
        f"--logfile={log_path}",
    )
    _log(f"odoo: running the Odoo tests on {database} (log {log_path})")
    try:
        returncode = run_bounded(argv, ODOO_TIMEOUT)
    finally:
        databases.drop(database)
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    parse_odoo_log(text, result)
    if returncode is None:
        result.notes.append(f"Odoo killed after {ODOO_TIMEOUT / 60:.0f} minutes")
    for line in text.splitlines():
        if ODOO_ERROR.match(line) or " FAIL: " in line:
            print(line[:400])
    return result


def e2e_suite(odoo_bin):
    """External-server tests: real Odoo processes with the real job runner."""
    env = dict(os.environ)
    if odoo_bin:
        env["ODOO_BIN"] = odoo_bin
    return run_pytest("e2e", ["tests/e2e"], E2E_TIMEOUT, env=env)


def summarise(results):
    """Print each part, then the one summary line; return the exit code."""
    for part in results:
        counts = f"{part.passed} passed, {part.failed} failed, {part.skipped} skipped"
        print(f"ru54fz: {part.name}: {counts}")
        for note in part.notes:
            print(f"ru54fz:   {note}")
    passed = sum(part.passed for part in results)
    failed = sum(part.failed for part in results)
    skipped = sum(part.skipped for part in results)
    print(f"ru54fz: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 1 if failed else 0


def main(args, install, reason, setup_error=None):
    """Run every test part this machine can run; return the exit code.

    :param install: the Odoo found, or None (``reason`` says why)
    :param setup_error: the set-up failure, if any
    """
    if setup_error and install:
        return summarise([PartResult("set-up", failed=1, notes=[str(setup_error)])])

    results = [pure_suite()]
    if not install:
        _banner(
            [
                "Odoo 17 not found: the Odoo suite did NOT run",
                f"({reason})",
                "Install Odoo 17 as a Python package or pass --odoo-bin PATH",
                "(or set ODOO_BIN) to run the Odoo and external-server tests.",
            ]
        )
        return summarise(results)

    _log(f"Odoo {install.version} found ({install.origin}): running the Odoo suite")
    results.append(odoo_suite(install))
    results.append(e2e_suite(args.odoo_bin))
    return summarise(results)
