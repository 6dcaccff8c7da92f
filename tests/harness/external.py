# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A real Odoo server on a throw-away database with both addons installed,
for tests that need the real queue_job runner, several workers or a killed
worker."""

import os
import shutil
import signal
import uuid

import psutil

from tools import databases
from tools.rpc import RpcClient
from tools.server import DEFAULT_CHANNELS, DEFAULT_SERVER_WIDE, OdooServer

HTTP_WORKER = "WorkerHTTP"
CRON_WORKER = "WorkerCron"
RUNNER_WORKER = "WorkerJobRunner"


class ExternalOdoo:
    """Create a database from the cached template and serve it.

    :param install: a :class:`tools.odoo.OdooInstall`
    :param template: the template database (``tools.databases.full_template``)
    :param workers: HTTP workers of the server
    :param channels: ``[queue_job] channels`` value
    :param options: more ``[options]`` values (e.g. ``max_cron_threads``)
    :param queue_job_options: more ``[queue_job]`` values
    :param server_wide_modules: modules loaded server-wide (``--load``)

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        install,
        template,
        workers=2,
        channels=DEFAULT_CHANNELS,
        options=None,
        queue_job_options=None,
        server_wide_modules=DEFAULT_SERVER_WIDE,
    ):
        self.database = f"{databases.db_prefix()}_e2e_{uuid.uuid4().hex[:8]}"
        self.template = template
        options = {"max_cron_threads": 0, **(options or {})}
        self.server = OdooServer(
            install,
            self.database,
            workers=workers,
            channels=channels,
            options=options,
            queue_job_options=queue_job_options,
            server_wide_modules=server_wide_modules,
        )

    @property
    def url(self):
        """Base URL of the running server."""
        return self.server.url

    def start(self):
        """Copy the template, start the server and wait for the job runner."""
        databases.clone(self.template, self.database)
        try:
            self.server.start()
            self.server.wait_runner_ready()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop the server by its pid, drop the database and remove the
        server's folder (configuration and log)."""
        self.server.stop()
        databases.drop(self.database)
        shutil.rmtree(self.server.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def rpc(self, login="admin", password="admin"):  # noqa: S107
        """Return a JSON-RPC client logged in on the database."""
        client = RpcClient(self.url)
        client.login(self.database, login, password)
        return client

    def worker_pids(self, kind=HTTP_WORKER):
        """Return the pids of the server's worker processes of ``kind``
        (``WorkerHTTP``, ``WorkerCron`` or ``WorkerJobRunner``)."""
        children = psutil.Process(self.server.pid).children()
        return [
            child.pid
            for child in children
            if child.is_running() and kind in " ".join(child.cmdline())
        ]

    def kill_worker(self, pid):
        """Kill one worker of this server with SIGKILL, as a crash would.

        Raises ValueError when ``pid`` is not a worker of this server.
        """
        children = {child.pid for child in psutil.Process(self.server.pid).children()}
        if pid not in children:
            raise ValueError(f"pid {pid} is not a worker of the server {self.url}")
        os.kill(pid, signal.SIGKILL)
        psutil.Process(pid).wait(10)

    def log_text(self):
        """Return the server log written so far."""
        return self.server.log_text()
