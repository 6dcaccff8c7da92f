# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The emulator over a real pseudo-terminal, as a serial KKT is seen by the driver."""

import os

from kkt.emulator.testing import running_emulator

from .common import (
    RawClient,
    close_receipt,
    mode_of,
    open_receipt,
    open_shift,
    operation,
    status,
    wait_idle,
)


def test_pty_emulator_serves_a_full_receipt():
    with running_emulator(tcp=False, print_time=0.01) as (path, control):
        assert os.path.exists(path)
        client = RawClient(path)
        try:
            assert mode_of(client.command(status())) == (4, 0)
            assert client.command(open_shift())[1] == 0
            wait_idle(client)
            assert client.command(open_receipt())[1] == 0
            assert client.command(operation(price=2500))[2] == 0
            answer = client.command(close_receipt(cash=2500))
        finally:
            client.close()
    assert answer[2] == 0
    assert int.from_bytes(answer[8:12], "little") == 2


def test_pty_emulator_speaks_protocol_2():
    with running_emulator(tcp=False, protocol=2) as (path, _control):
        client = RawClient(path)
        try:
            number, answer = client.command2(status(), number=1)
        finally:
            client.close()
    assert number == 1
    assert mode_of(answer) == (4, 0)
