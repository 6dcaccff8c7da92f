# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures of the external-server tests: Odoo found on this machine, the
cached template database, real Odoo servers, the KKT emulator, a POS set up
for fiscal receipts."""

import pytest

from tests.harness import ExternalOdoo, configure_pos
from tools import databases, postgres
from tools.odoo import find_odoo


def _log(message):
    print(f"e2e: {message}", flush=True)


@pytest.fixture(scope="session")
def odoo_install():
    """Odoo 17 of this machine (``ODOO_BIN`` or the odoo package); skip without."""
    install, reason = find_odoo()
    if not install:
        pytest.skip(f"Odoo 17 not found: {reason}")
    postgres.start_cluster(_log)
    return install


@pytest.fixture(scope="session")
def odoo_template(odoo_install):
    """Name of the template database with POS, queue_job and both addons."""
    return databases.full_template(odoo_install, _log)


@pytest.fixture
def odoo_factory(odoo_install, odoo_template):
    """Start servers with the options a test needs; all stop after the test.

    ``odoo_factory(workers=3, channels="root:2,root.critical:1",
    queue_job_options={...}, options={...})`` returns a started
    :class:`tests.harness.ExternalOdoo`.
    """
    started = []

    def start(**kwargs):
        server = ExternalOdoo(odoo_install, odoo_template, **kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="module")
def odoo_server(odoo_install, odoo_template):
    """One server per test module: 3 workers and the four default channels."""
    with ExternalOdoo(odoo_install, odoo_template, workers=3) as server:
        yield server


@pytest.fixture
def rpc(odoo_server):
    """A JSON-RPC client logged in as admin on the module's server."""
    return odoo_server.rpc()


@pytest.fixture
def kkt_emulator():
    """A KKT emulator process over TCP: yields ``(url, control)``."""
    testing = pytest.importorskip("kkt.emulator.testing")
    with testing.running_emulator(tcp=True) as (url, control):
        yield url, control


@pytest.fixture
def pos_setup(rpc, kkt_emulator):
    """The module server's first POS config linked to a fresh emulator, with an
    open POS session; returns a :class:`tests.harness.PosSetup`."""
    url, _control = kkt_emulator
    return configure_pos(rpc, url)
