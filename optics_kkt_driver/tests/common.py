# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures of the device tests: a real KKT emulator over a real socket,
and devices committed for tests that need several database connections."""

import contextlib
import itertools
import random
import socket

from odoo import api
from odoo.tests.common import TransactionCase

from odoo.addons.optics_kkt_driver.kkt.emulator.testing import running_emulator

from ..models.kkt_device import LOCK_NAMESPACE

# This addon's tests use ports 17300-17398: one for the KKT, one for control.
PORT_RANGE = range(17300, 17398, 2)
UNUSED_URL = "socket://127.0.0.1:17399"


def free_port_pair():
    """Return a port of PORT_RANGE that is free, with the next one free too.

    Starting at a random place keeps two test runs of this addon (a developer's
    and a CI harness) from racing for the same ports.
    """
    start = random.randrange(len(PORT_RANGE))
    for port in itertools.islice(itertools.cycle(PORT_RANGE), start, start + 49):
        if _is_free(port) and _is_free(port + 1):
            return port
    raise RuntimeError(f"No free port pair in {PORT_RANGE}")


def _is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class KktDeviceCase(TransactionCase):
    """A test with an emulator of its own and a device pointing at it."""

    emulator_options = {"print_time": 0.01}

    def setUp(self):
        super().setUp()
        self.emulator_url, self.emulator = self.start_emulator()
        self.device = self.create_device(self.emulator_url)

    def start_emulator(self, **options):
        """Start an emulator for this test; return ``(url, control)``."""
        port = free_port_pair()
        return self.enterContext(
            running_emulator(
                port=port, control=port + 1, **{**self.emulator_options, **options}
            )
        )

    def create_device(self, url, **values):
        device = self.env["kkt.device"].create(
            {
                "name": "Test KKT",
                "connection_url": url,
                "tz": "UTC",
                "timeout_scale": 0.2,
                **values,
            }
        )
        self.addCleanup(forget_link_state, self.env.registry, device.id)
        return device

    def advisory_locks_held(self, device):
        """Count the device locks held right now, by any connection."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                SELECT count(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND classid = %s AND objid = %s
                   AND objsubid = 2 AND granted
                """,
                (LOCK_NAMESPACE, device.id),
            )
            return cr.fetchone()[0]


@contextlib.contextmanager
def worker_env(registry, uid):
    """Yield an environment on a connection of its own, usable from a thread.

    The transaction is given the registry directly: looking it up by name would
    wait for the registry lock, which the test runner holds while it loads
    modules.
    """
    with registry.cursor() as cr:
        cr.transaction = api.Transaction(registry)
        yield api.Environment(cr, uid, {})


def forget_link_state(registry, device_id):
    """Drop the shared link state a test committed for ``device_id``."""
    with registry.cursor() as cr:
        cr.execute("DELETE FROM kkt_device_link WHERE device_id = %s", (device_id,))


def enter_committed_device(case, **values):
    """Create a committed device for the test ``case``; return its id.

    The device is deleted when the test ends.
    """
    values = {"tz": "UTC", **values}
    return case.enterContext(committed_device(case.registry, case.env.uid, values))


@contextlib.contextmanager
def committed_device(registry, uid, values):
    """Create a device in a committed transaction, so that other connections see
    it; yield its id and delete it afterwards."""
    with registry.cursor() as cr:
        device_id = api.Environment(cr, uid, {})["kkt.device"].create(values).id
    try:
        yield device_id
    finally:
        with registry.cursor() as cr:
            api.Environment(cr, uid, {})["kkt.device"].browse(device_id).unlink()
