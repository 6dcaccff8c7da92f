# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Find Odoo 17 (installed package or a named odoo-bin) without importing it here,
and build the command lines that run it with our addons."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDONS = ("optics_kkt_driver", "optics_pos_ru54fz")
ODOO_MAJOR = 17

_PROBE = """
import json, os, sys
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
import odoo.release
root = os.path.dirname(os.path.abspath(odoo.__file__))
release = odoo.release
found = {"version": release.version, "major": release.version_info[0], "package": root}
print(json.dumps(found))
"""


@dataclass(frozen=True)
class OdooInstall:
    """An Odoo found on this machine.

    :param command: argv prefix that runs the Odoo server command line
    :param version: Odoo's version string, e.g. ``17.0``
    :param addons_path: folders for ``--addons-path``: Odoo's own addons,
        queue_job's folder and this repository
    :param origin: ``package`` or the odoo-bin path the user named
    """

    command: tuple
    version: str
    addons_path: tuple
    origin: str

    def server_args(self, *args):
        """Return the argv that runs Odoo with our addons path and ``args``."""
        return [*self.command, f"--addons-path={','.join(self.addons_path)}", *args]


def queue_job_addons_dir():
    """Return the folder holding the pip-installed ``queue_job`` addon, or None."""
    try:
        dist = metadata.distribution("odoo-addon-queue_job")
    except metadata.PackageNotFoundError:
        return None
    folder = Path(dist.locate_file("odoo/addons"))
    return str(folder) if (folder / "queue_job" / "__manifest__.py").exists() else None


def find_odoo(odoo_bin=None):
    """Locate Odoo 17.

    ``odoo_bin`` (or the ``ODOO_BIN`` environment variable) names an odoo-bin
    script; without it Odoo must be importable as the ``odoo`` package by this
    Python. Returns ``(install, None)`` or ``(None, reason)``.
    """
    odoo_bin = odoo_bin or os.environ.get("ODOO_BIN") or ""
    source_root = ""
    if odoo_bin:
        odoo_bin = str(Path(odoo_bin).expanduser().resolve())
        if not Path(odoo_bin).is_file():
            return None, f"odoo-bin not found at {odoo_bin}"
        source_root = str(Path(odoo_bin).parent)
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, source_root],
        capture_output=True,
        text=True,
        cwd="/",
    )
    if probe.returncode:
        where = odoo_bin or f"the odoo package of {sys.executable}"
        return None, f"cannot import Odoo from {where}"
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    if found["major"] != ODOO_MAJOR:
        return None, f"Odoo {found['version']} found, version {ODOO_MAJOR} needed"

    package = Path(found["package"])
    paths = [str(package.parent / "addons"), str(package / "addons")]
    queue_job = queue_job_addons_dir()
    if queue_job:
        paths.append(queue_job)
    paths.append(str(REPO))
    addons_path = tuple(dict.fromkeys(p for p in paths if Path(p).is_dir()))
    script = odoo_bin or _server_script(package)
    command = (sys.executable, script) if script else (sys.executable, "-m", "odoo")
    install = OdooInstall(command, found["version"], addons_path, odoo_bin or "package")
    return install, None


def _server_script(package):
    """Return the script that starts the installed Odoo, or None.

    A script is better than ``python -m odoo``: Odoo restarts itself as
    ``sys.argv[0] gevent ...`` for its websocket server.
    """
    candidates = (package.parent / "odoo-bin", Path(sys.executable).parent / "odoo")
    return next((str(path) for path in candidates if path.is_file()), None)
