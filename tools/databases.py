# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Template databases, built once per machine and copied with `createdb -T`:
one with point_of_sale (demo data) and queue_job, one with our addons on top."""

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from . import postgres
from .odoo import ADDONS, REPO

BASE_MODULES = ("point_of_sale", "queue_job")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", "tests", "readme"}
LOCK_FILE = Path(tempfile.gettempdir()) / "ru54fz-template-databases.lock"
LOG_DIR = REPO / ".run" / "logs"
DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
DATA_DIR = DATA_HOME / "ru54fz-odoo"


class TemplateBuildError(RuntimeError):
    """Odoo failed to install the modules of a template database."""


def db_prefix():
    """Return the prefix of every database this repository's tools create."""
    return os.environ.get("RU54FZ_DB_PREFIX", "ru54fz")


def _queue_job_version():
    try:
        return metadata.version("odoo-addon-queue_job")
    except metadata.PackageNotFoundError:
        return "unknown"


def base_fingerprint(install):
    """Key of the base template: Odoo's and queue_job's versions."""
    text = f"{install.version}|{_queue_job_version()}|{','.join(BASE_MODULES)}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def addons_fingerprint(install):
    """Key of the full template: the base key and every file our addons install."""
    digest = hashlib.sha256(base_fingerprint(install).encode())
    for addon in ADDONS:
        for path in sorted((REPO / addon).rglob("*")):
            relative = path.relative_to(REPO)
            if path.is_dir() or SKIPPED_PARTS & set(relative.parts):
                continue
            if path.suffix == ".pyc":
                continue
            digest.update(str(relative).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def filestore(name):
    """Return the folder of database ``name``'s attachments in our data dir."""
    return DATA_DIR / "filestore" / name


def clone(template, name):
    """Create database ``name`` as a copy of ``template``, attachments included."""
    postgres.create_database(name, template=template)
    if filestore(template).is_dir():
        shutil.copytree(filestore(template), filestore(name), dirs_exist_ok=True)


def drop(name):
    """Drop database ``name`` and its attachments."""
    postgres.drop_database(name)
    shutil.rmtree(filestore(name), ignore_errors=True)


def _rename(old, new):
    postgres.rename_database(old, new)
    if filestore(old).is_dir():
        shutil.rmtree(filestore(new), ignore_errors=True)
        filestore(old).rename(filestore(new))


@contextmanager
def _machine_lock():
    with open(LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_odoo(install, database, args, log_name):
    """Run Odoo once on ``database`` with ``args`` and --stop-after-init.

    Returns the path of the log file; raises TemplateBuildError on failure.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{log_name}.log"
    argv = install.server_args(
        "-d",
        database,
        "--stop-after-init",
        "--http-port=0",
        "--log-level=warn",
        f"--data-dir={DATA_DIR}",
        f"--logfile={log_path}",
        *args,
    )
    log_path.unlink(missing_ok=True)
    result = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    text = log_path.read_text() if log_path.exists() else ""
    if result.returncode or " ERROR " in text or " CRITICAL " in text:
        tail = "\n".join((text + result.stderr).splitlines()[-30:])
        raise TemplateBuildError(f"Odoo failed on {database} (log {log_path}):\n{tail}")
    return log_path


def _build(install, name, modules, source, log):
    building = f"{name}_building"
    drop(building)
    if source:
        clone(source, building)
    log(f"building template database {name} ({', '.join(modules)})")
    run_odoo(install, building, ["-i", ",".join(modules)], building)
    _rename(building, name)


def _drop_stale(prefix, keep):
    for name in postgres.list_databases(prefix):
        if name != keep and not name.endswith("_building"):
            drop(name)


def base_template(install, log):
    """Return the name of the base template database, building it if missing."""
    prefix = f"{db_prefix()}_tmpl_base_"
    name = prefix + base_fingerprint(install)
    with _machine_lock():
        if not postgres.database_exists(name):
            _build(install, name, BASE_MODULES, None, log)
            _drop_stale(prefix, name)
    return name


def full_template(install, log):
    """Return the name of the template with both addons installed, building it
    from the base template when our addons' files changed."""
    base = base_template(install, log)
    prefix = f"{db_prefix()}_tmpl_full_"
    name = prefix + addons_fingerprint(install)
    with _machine_lock():
        if not postgres.database_exists(name):
            _build(install, name, ADDONS, base, log)
            _drop_stale(prefix, name)
    return name
