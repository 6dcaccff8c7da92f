# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-up shared by `./ru54fz demo` and `./ru54fz test`: PostgreSQL, Python
packages, the editable `kkt` package and a browser for tours. Idempotent."""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from importlib import metadata

from . import postgres
from .odoo import REPO

RUN_DIR = REPO / ".run"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
QUEUE_JOB_PREFIX = "odoo-addon-queue_job"


def _pip(*args):
    argv = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*argv, *args], check=True, cwd=REPO)


def _requirements():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _stamp(name):
    """Return the stamp file of ``name`` and the value it must hold when this
    Python already has what ``name`` lists."""
    digest = hashlib.sha256(sys.executable.encode())
    digest.update((REPO / name).read_bytes())
    return RUN_DIR / f"{name}.stamp", digest.hexdigest()


def _stamped(name):
    path, value = _stamp(name)
    return path.exists() and path.read_text() == value


def _write_stamp(name):
    path, value = _stamp(name)
    RUN_DIR.mkdir(exist_ok=True)
    path.write_text(value)


def _kkt_is_ours():
    spec = importlib.util.find_spec("kkt")
    expected = REPO / "optics_kkt_driver" / "kkt" / "__init__.py"
    return bool(spec and spec.origin and os.path.samefile(spec.origin, expected))


def _odoo_is_a_distribution():
    try:
        metadata.distribution("odoo")
    except metadata.PackageNotFoundError:
        return False
    return True


def install_python_packages(log):
    """Install requirements.txt, then this repository in editable mode so that
    ``kkt`` is importable, each only when not done already for this Python.

    queue_job's wheel requires the ``odoo`` distribution; when Odoo is only an
    odoo-bin source tree, it is installed without its dependencies.
    """
    if not _stamped("requirements.txt"):
        log("installing Python requirements (pip)")
        packages = _requirements()
        queue_job = [p for p in packages if p.startswith(QUEUE_JOB_PREFIX)]
        if _odoo_is_a_distribution():
            _pip("-r", "requirements.txt")
        else:
            _pip(*[p for p in packages if p not in queue_job])
            _pip("--no-deps", *queue_job)
        _write_stamp("requirements.txt")
    stamp_path, _value = _stamp("pyproject.toml")
    pyproject_changed = stamp_path.exists() and not _stamped("pyproject.toml")
    if pyproject_changed or not _kkt_is_ours():
        log("installing the kkt package of this repository (pip install -e .)")
        _pip("-e", ".")
        importlib.invalidate_caches()
    _write_stamp("pyproject.toml")


def find_browser():
    """Return the path of a Chromium-family browser Odoo's tours can drive, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_browser(log):
    """Install Debian's chromium when missing and running as root; else warn."""
    if find_browser():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("WARNING: no chromium found: Odoo browser tours cannot run")
        return
    log("installing chromium (apt-get) for Odoo browser tours")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, stdin=subprocess.DEVNULL).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdin=subprocess.DEVNULL)
        subprocess.run(install, env=env, stdin=subprocess.DEVNULL)
    if not find_browser():
        log("WARNING: chromium could not be installed: browser tours cannot run")


class SetUpError(RuntimeError):
    """A set-up step failed; the message says which and why."""


def prepare(log, browser=True):
    """Run every set-up step (Python packages, PostgreSQL, browser); fast when
    all is in place already. Raises SetUpError."""
    try:
        install_python_packages(log)
    except subprocess.CalledProcessError as error:
        raise SetUpError(f"pip failed: {error}") from error
    try:
        postgres.prepare(log)
    except (postgres.PostgresError, subprocess.CalledProcessError) as error:
        raise SetUpError(str(error)) from error
    if browser:
        ensure_browser(log)
