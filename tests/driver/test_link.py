# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Link layers against scripted peers on a real pty: retries, timeouts, no repeats."""

import pytest

from kkt.errors import LinkError
from kkt.frames import encode_frame1
from kkt.link import Link1, Link2, make_link
from kkt.trace import request_hex

from .peer import Peer1, Peer2

STATUS = bytes.fromhex("10 1e 00 00 00")
CLOSE = bytes.fromhex("ff 45 1e 00 00 00 01")


@pytest.fixture
def peer1():
    with Peer1() as peer:
        transport = peer.open_transport()
        peer.link = Link1(transport, control_timeout=0.2)
        yield peer
        transport.close()


@pytest.fixture
def peer2():
    with Peer2(last_number=41) as peer:
        transport = peer.open_transport()
        peer.link = Link2(transport, control_timeout=0.2)
        yield peer
        transport.close()


def test_protocol1_exchange_returns_the_answer_and_acknowledges_it(peer1):
    assert peer1.link.execute(STATUS, timeout=1) == bytes.fromhex("10 00 1e 00 00 00")
    peer1.link.execute(STATUS, timeout=1)
    assert peer1.executed[STATUS] == 2
    assert encode_frame1(STATUS) + b"\x06\x05" in peer1.received


def test_protocol1_resends_a_frame_the_device_refused_with_nak(peer1):
    peer1.faults.append("nak_frame")
    assert peer1.link.execute(CLOSE, timeout=1)[:3] == bytes.fromhex("ff 45 00")
    assert peer1.executed[CLOSE] == 1


def test_protocol1_fetches_a_corrupted_answer_again_without_executing_twice(peer1):
    peer1.faults.append("corrupt_answer")
    assert peer1.link.execute(CLOSE, timeout=1)[:3] == bytes.fromhex("ff 45 00")
    assert peer1.executed[CLOSE] == 1
    assert b"\x15\x05" in peer1.received


def test_protocol1_skips_the_ff_byte_sent_after_ack_over_tcp(peer1):
    peer1.faults.append("ff_after_ack")
    assert peer1.link.execute(STATUS, timeout=1)[:2] == b"\x10\x00"


def test_protocol1_reads_the_answer_when_the_ack_was_lost(peer1):
    peer1.faults.append("lose_ack")
    assert peer1.link.execute(CLOSE, timeout=1)[:3] == bytes.fromhex("ff 45 00")
    assert peer1.executed[CLOSE] == 1


def test_protocol1_drops_a_pending_answer_before_sending(peer1):
    peer1.hold(bytes.fromhex("ff 45 00 99"))
    assert peer1.link.execute(STATUS, timeout=1)[:1] == b"\x10"
    assert peer1.executed[STATUS] == 1


def test_protocol1_silent_device_raises_a_retryable_link_error(peer1):
    peer1.silent = True
    with pytest.raises(LinkError) as caught:
        peer1.link.execute(STATUS, timeout=0.3)
    assert caught.value.retryable
    assert "ENQ" in caught.value.message


def test_protocol2_learns_the_packet_number_with_a_ping(peer2):
    assert peer2.link.execute(STATUS, timeout=1)[:2] == b"\x10\x00"
    assert peer2.last_number == 42
    assert peer2.link.number == 43


def test_protocol2_retransmission_after_a_lost_answer_executes_once(peer2):
    peer2.faults.extend(["drop_answer"])
    answer = peer2.link.execute(CLOSE, timeout=0.3)
    assert answer[:3] == bytes.fromhex("ff 45 00")
    assert peer2.executed[CLOSE] == 1


def test_protocol2_corrupted_answer_is_fetched_from_the_cache(peer2):
    peer2.faults.extend(["corrupt_answer"])
    assert peer2.link.execute(CLOSE, timeout=0.3)[:3] == bytes.fromhex("ff 45 00")
    assert peer2.executed[CLOSE] == 1


def test_protocol2_resynchronises_after_a_device_restart(peer2):
    peer2.link.execute(STATUS, timeout=1)
    peer2.faults.append("restart")
    assert peer2.link.execute(CLOSE, timeout=1)[:3] == bytes.fromhex("ff 45 00")
    assert peer2.executed[CLOSE] == 1
    assert peer2.last_number == 1


def test_protocol2_next_command_after_a_failed_exchange_is_not_answered_from_cache(
    peer2,
):
    peer2.faults.extend(["drop_answer"] * 3)
    with pytest.raises(LinkError):
        peer2.link.execute(CLOSE, timeout=0.3)
    assert peer2.link.execute(STATUS, timeout=1)[:2] == b"\x10\x00"
    assert peer2.executed[CLOSE] == 1
    assert peer2.executed[STATUS] == 1


def test_protocol2_silent_device_raises_a_retryable_link_error(peer2):
    peer2.silent = True
    with pytest.raises(LinkError) as caught:
        peer2.link.execute(STATUS, timeout=0.2)
    assert caught.value.retryable


def test_debug_log_hides_the_password():
    assert request_hex(bytes.fromhex("ff 45 1e 00 00 00 01")) == "ff 45 ** ** ** ** 01"
    assert request_hex(bytes.fromhex("fc")) == "fc"


def test_the_wait_for_the_first_reply_byte_follows_the_timeout_scale():
    with Peer1() as peer:
        transport = peer.open_transport(byte_timeout=0.05)
        usual = make_link(transport, protocol=1)
        scaled = make_link(transport, protocol=2, timeout_scale=0.05)
        transport.close()
    assert usual.control_timeout == 1.0
    assert scaled.control_timeout == 0.1


def test_make_link_refuses_an_unknown_protocol():
    with pytest.raises(ValueError):
        make_link(None, protocol=3)
