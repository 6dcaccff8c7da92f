# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures: a running emulator process and a raw-frame client connected to it."""

import pytest

from kkt.emulator.testing import running_emulator

from .common import RawClient


@pytest.fixture
def emulator(request):
    """A TCP protocol 1 emulator with fast printing and no OFD draining.

    Parametrise indirectly with a dict of extra command-line options.
    """
    options = {"print_time": 0.01, "ofd_rate": 0}
    options.update(getattr(request, "param", {}) or {})
    with running_emulator(**options) as (url, control):
        client = RawClient(url)
        yield client, control
        client.close()
