# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Local PostgreSQL 15 through its command-line tools: start the cluster, make
sure the current user is a superuser role, create and drop databases."""

import getpass
import os
import shlex
import shutil
import subprocess
import time

PG_VERSION = "15"
PG_CLUSTER = os.environ.get("RU54FZ_PG_CLUSTER", "main")
LIBRARY_LOAD_ERROR = "could not load library"


class PostgresError(RuntimeError):
    """PostgreSQL cannot be used; the message says what to do."""


def _run(argv, check=False):
    return subprocess.run(argv, capture_output=True, text=True, check=check)


def psql(sql, dbname="postgres"):
    """Run ``sql`` with psql as the current user and return the completed process."""
    return _run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql]
    )


def is_running():
    """Tell whether the server accepts connections on the default socket."""
    return _run(["pg_isready", "-q"]).returncode == 0


def start_cluster(log):
    """Start the PostgreSQL 15 cluster unless it already runs; wait until ready."""
    if not shutil.which("pg_isready") or not shutil.which("psql"):
        raise PostgresError("PostgreSQL client tools (psql, pg_isready) not found")
    if is_running():
        return
    log(f"starting PostgreSQL {PG_VERSION} cluster {PG_CLUSTER}")
    result = _run(["pg_ctlcluster", PG_VERSION, PG_CLUSTER, "start"])
    if result.returncode and not is_running():
        raise PostgresError(
            f"PostgreSQL {PG_VERSION} did not start: {result.stderr.strip()}. "
            f"Start it yourself (pg_ctlcluster {PG_VERSION} {PG_CLUSTER} start)."
        )
    _wait_ready()


def restart_cluster(log):
    """Restart the cluster, e.g. after a package upgrade under a running server."""
    log(f"restarting PostgreSQL {PG_VERSION} cluster {PG_CLUSTER}")
    _run(["pg_ctlcluster", PG_VERSION, PG_CLUSTER, "restart"], check=True)
    _wait_ready()


def _wait_ready(timeout=60.0):
    deadline = time.monotonic() + timeout
    while not is_running():
        if time.monotonic() > deadline:
            raise PostgresError(f"PostgreSQL not ready after {timeout:.0f} s")
        time.sleep(0.5)


def ensure_role(log):
    """Create a superuser role for the current OS user when it has none."""
    if psql("SELECT 1").returncode == 0:
        return
    user = getpass.getuser()
    if os.geteuid() != 0:
        raise PostgresError(
            f"PostgreSQL has no role for {user}: ask an administrator to run "
            f"`sudo -u postgres createuser -s {user}`."
        )
    log(f"creating PostgreSQL superuser role {user}")
    command = f"createuser -s {shlex.quote(user)}"
    result = _run(["su", "postgres", "-c", command])
    if result.returncode:
        raise PostgresError(f"cannot create role {user}: {result.stderr.strip()}")


def check_server_libraries(log):
    """Restart the cluster when server-side libraries fail to load.

    An upgrade of the postgresql-15 package under a running cluster leaves it
    unable to load plpgsql until restarted; an anonymous code block shows it.
    Any other failure of the probe is reported, never answered by a restart.
    """
    probe = psql("DO $$ BEGIN END $$")
    if not probe.returncode:
        return
    if LIBRARY_LOAD_ERROR not in probe.stderr:
        raise PostgresError(f"PostgreSQL cannot run plpgsql: {probe.stderr.strip()}")
    log(f"PostgreSQL cannot load its libraries ({probe.stderr.strip()})")
    restart_cluster(log)
    if psql("DO $$ BEGIN END $$").returncode:
        raise PostgresError("plpgsql still fails after a restart of PostgreSQL")


def database_exists(name):
    """Tell whether database ``name`` exists."""
    found = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    return found.stdout.strip() == "1"


def list_databases(prefix):
    """Return the names of the databases that start with ``prefix``."""
    found = psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'")
    return [name for name in found.stdout.split() if name]


def create_database(name, template=None):
    """Create database ``name``, as a copy of ``template`` when given."""
    argv = ["createdb", name] if not template else ["createdb", "-T", template, name]
    result = _run(argv)
    if result.returncode:
        raise PostgresError(f"cannot create database {name}: {result.stderr.strip()}")


def drop_database(name):
    """Drop database ``name`` if it exists, closing its connections."""
    _run(["dropdb", "--if-exists", "--force", name])


def rename_database(old, new):
    """Rename database ``old`` to ``new``."""
    result = psql(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
    if result.returncode:
        raise PostgresError(f"cannot rename {old} to {new}: {result.stderr.strip()}")


def prepare(log):
    """Start the cluster, create the role and check server libraries (idempotent)."""
    start_cluster(log)
    ensure_role(log)
    check_server_libraries(log)
