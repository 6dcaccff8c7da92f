"""Fixtures shared by the driver tests that talk to a running emulator."""

import pytest

from kkt.emulator.testing import running_emulator


@pytest.fixture
def emulator():
    """A real emulator process over TCP, printing fast; yields (url, control)."""
    with running_emulator(print_time=0.01) as (url, control):
        yield url, control
