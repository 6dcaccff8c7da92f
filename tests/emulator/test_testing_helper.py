# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The running_emulator context manager and the control client."""

import os

import pytest

from kkt.emulator.control import ControlError
from kkt.emulator.testing import running_emulator


def test_running_emulator_stops_its_process_when_the_block_ends():
    with running_emulator() as (url, control):
        assert url.startswith("socket://127.0.0.1:")
        assert control.call("ping") == {"pong": True}
        os.kill(control.pid, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(control.pid, 0)
    with pytest.raises(ControlError):
        control.state()


def test_control_refuses_unknown_commands_and_bad_parameters():
    with running_emulator() as (_url, control):
        with pytest.raises(ControlError, match="Unknown control command"):
            control.call("explode")
        with pytest.raises(ControlError, match="Bad byte fault"):
            control.byte_fault("melt")
        with pytest.raises(ControlError):
            control.call("busy", count=1, colour="red")
        assert control.state()["faults"]["busy"] == 0
