# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""With ``--state`` a restarted emulator keeps its FN documents and open receipt."""

import json

from kkt.emulator.testing import running_emulator

from .common import (
    RawClient,
    error_of,
    fd_of,
    fn_command,
    mode_of,
    operation,
    sell,
    start_shift,
    status,
)

MARK = b"order-17"


def run(state, action):
    with running_emulator(state=state, print_time=0.01, ofd_rate=0) as (url, control):
        client = RawClient(url)
        try:
            return action(client, control)
        finally:
            client.close()


def test_restarted_emulator_keeps_documents_and_numbering(tmp_path):
    state = tmp_path / "fn.json"

    def first_run(client, _control):
        start_shift(client)
        return fd_of(sell(client, tlvs=[(1192, MARK)]))

    def second_run(client, control):
        found = client.command(fn_command(0x0A, (2).to_bytes(4, "little")))
        return found, fd_of(sell(client))[0], control.documents()

    fd, sign = run(state, first_run)
    found, next_fd, documents = run(state, second_run)
    assert fd == 2
    assert found[10:18] == fd.to_bytes(4, "little") + sign.to_bytes(4, "little")
    assert next_fd == 3
    assert documents[1]["mark"] == MARK.decode()
    assert json.loads(state.read_text())["fn"]["shift_number"] == 1


def test_receipt_open_at_shutdown_is_still_open_after_restart(tmp_path):
    state = tmp_path / "fn.json"

    def first_run(client, _control):
        start_shift(client)
        assert error_of(client.command(operation(price=700))) == 0

    def second_run(client, _control):
        return client.command(status())

    run(state, first_run)
    answer = run(state, second_run)
    assert mode_of(answer)[0] == 0x08
    assert answer[7] == 1
