# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An Odoo server process with the queue_job runner, started as a user would:
own configuration file, several workers, stopped by its pid."""

import configparser
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from .databases import DATA_DIR

DEFAULT_CHANNELS = "root:5,root.critical:2,root.high:1,root.default:1,root.low:1"
DEFAULT_SERVER_WIDE = "base,web,queue_job"


class ServerError(RuntimeError):
    """The Odoo server did not start or stopped unexpectedly."""


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OdooServer:
    """One Odoo server process serving one database.

    :param install: a :class:`tools.odoo.OdooInstall`
    :param database: the database to serve (it must exist)
    :param workers: HTTP workers (0 runs Odoo threaded); None keeps the value
        of ``base_config``
    :param channels: ``[queue_job] channels`` value; None keeps the value of
        ``base_config``
    :param base_config: an Odoo configuration file whose options are copied
        first (e.g. the repository's ``odoo.conf``)
    :param options: more ``[options]`` values, overriding the others
    :param queue_job_options: more ``[queue_job]`` values
    :param http_port: port to listen on; a free one when None
    :param gevent_port: port of the websocket (bus) server; a free one when None
    :param server_wide_modules: modules loaded server-wide (``--load``); None
        keeps the value of ``base_config``
    """

    def __init__(
        self,
        install,
        database,
        workers=2,
        channels=DEFAULT_CHANNELS,
        base_config=None,
        options=None,
        queue_job_options=None,
        http_port=None,
        gevent_port=None,
        server_wide_modules=DEFAULT_SERVER_WIDE,
        log_path=None,
    ):
        self.install = install
        self.database = database
        self.http_port = http_port or free_port()
        self.gevent_port = gevent_port or free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{database}-"))
        self.log_path = Path(log_path) if log_path else self.workdir / "odoo.log"
        self.config_path = self.workdir / "odoo.conf"
        self.process = None
        self._write_config(
            base_config,
            workers,
            channels,
            server_wide_modules,
            options,
            queue_job_options,
        )

    @property
    def url(self):
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self):
        """Process id of the server's main process."""
        return self.process.pid if self.process else None

    def _write_config(
        self, base_config, workers, channels, server_wide, options, queue_job_options
    ):
        config = configparser.RawConfigParser()
        if base_config:
            config.read(base_config)
        for section in ("options", "queue_job"):
            if not config.has_section(section):
                config.add_section(section)
        values = {
            "db_name": self.database,
            "dbfilter": f"^{re.escape(self.database)}$",
            "list_db": "False",
            "http_interface": "127.0.0.1",
            "http_port": str(self.http_port),
            "gevent_port": str(self.gevent_port),
            "logfile": str(self.log_path),
            "log_level": "info",
            "data_dir": str(DATA_DIR),
            **(options or {}),
        }
        if workers is not None:
            values["workers"] = workers
        if server_wide is not None:
            values["server_wide_modules"] = server_wide
        for key, value in values.items():
            config.set("options", key, str(value))
        if channels is not None:
            config.set("queue_job", "channels", channels)
        for key, value in (queue_job_options or {}).items():
            config.set("queue_job", key, str(value))
        with open(self.config_path, "w") as handle:
            config.write(handle)

    def start(self, timeout=180.0):
        """Start the server and wait until it answers HTTP; return self."""
        argv = self.install.server_args("-c", str(self.config_path))
        with open(self.workdir / "stderr.log", "w") as stderr:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        self._wait_http(timeout)
        return self

    def _wait_http(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"Odoo exited with code {self.process.returncode}; "
                    f"see {self.log_path} and {self.workdir / 'stderr.log'}"
                )
            try:
                answer = requests.get(f"{self.url}/web/login", timeout=5)
            except requests.RequestException:
                time.sleep(0.5)
                continue
            if answer.status_code == 200:
                return
            time.sleep(0.5)
        raise ServerError(f"Odoo did not answer on {self.url} within {timeout:.0f} s")

    def log_text(self):
        """Return the server log written so far."""
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def wait_for_log(self, pattern, timeout=60.0):
        """Wait until a log line matches the regular expression ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if regex.search(self.log_text()):
                return
            time.sleep(0.3)
        raise ServerError(f"no log line matching {pattern!r} within {timeout:.0f} s")

    def wait_runner_ready(self, timeout=60.0):
        """Wait until queue_job's runner announces it watches our database."""
        self.wait_for_log(
            rf"queue job runner ready for db {re.escape(self.database)}", timeout
        )

    def stop(self, timeout=30.0):
        """Stop the server: SIGTERM to its pid, then SIGKILL to its process group."""
        if not self.process or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._reap_group()

    def _reap_group(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
