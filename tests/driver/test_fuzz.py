# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Random, truncated and corrupted bytes: a valid frame or our own error, no hang."""

import itertools
import os
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kkt.errors import KktError
from kkt.frames import (
    decode_frame1,
    decode_frame2,
    encode_frame1,
    encode_frame2,
    encode_ping2,
    read_frame1,
)
from kkt.link import Link1, Link2
from kkt.tlv import parse_tlvs
from kkt.transport import Transport

from .common import ANSWER_DECODERS

payloads = st.binary(min_size=1, max_size=255)
noise = st.binary(max_size=600)


@st.composite
def damaged_exchanges(draw):
    """What a device would send for one command, then cut or corrupted."""
    answer = draw(payloads)
    if draw(st.booleans()):
        stream = b"\x15\x06" + encode_frame1(answer) + b"\x06" + encode_frame1(answer)
    else:
        stream = encode_frame2(draw(st.integers(0, 65535)), answer) * 2
    position = draw(st.integers(0, len(stream) - 1))
    stream = corrupt(stream, position, draw(st.integers(0, 255)))
    return stream[: draw(st.integers(0, len(stream)))]


WATCHDOG = 20


def corrupt(frame, position, value):
    position %= len(frame)
    return frame[:position] + bytes([value]) + frame[position + 1 :]


def only_valid_or_our_error(function, *args):
    try:
        return function(*args)
    except KktError:
        return None


@given(payloads, st.integers(0, 300), st.integers(0, 255))
def test_protocol1_decoder_returns_the_payload_or_raises_frame_error(
    payload, position, value
):
    frame = corrupt(encode_frame1(payload), position, value)
    result = only_valid_or_our_error(decode_frame1, frame)
    assert result is None or encode_frame1(result) == frame


@given(payloads, st.integers(0, 65535), st.integers(0, 600), st.integers(0, 255))
def test_protocol2_decoder_returns_the_payload_or_raises_frame_error(
    payload, number, position, value
):
    frame = corrupt(encode_frame2(number, payload), position, value)
    result = only_valid_or_our_error(decode_frame2, frame)
    if result and result[0] is None:
        assert frame == encode_ping2()
    else:
        assert result is None or encode_frame2(*result) == frame


@given(payloads, st.integers(0, 260))
def test_truncated_frames_raise_frame_errors(payload, cut):
    frame = encode_frame1(payload)
    truncated = frame[: cut % len(frame)]
    assert only_valid_or_our_error(decode_frame1, truncated) is None
    frame2 = encode_frame2(1, payload)
    assert only_valid_or_our_error(decode_frame2, frame2[: cut % len(frame2)]) is None


@given(noise)
def test_stream_reader_yields_a_frame_or_our_error(data):
    stream = iter(data[1:])

    def read(count):
        chunk = bytes(itertools.islice(stream, count))
        if len(chunk) != count:
            raise KktError("end of stream")
        return chunk

    result = only_valid_or_our_error(read_frame1, read)
    assert result is None or isinstance(result, bytes)


def decoded_or_our_error(decoder, body):
    try:
        decoder(body)
    except KktError:
        return "our error"
    return "decoded"


@given(st.binary(max_size=300))
def test_answer_decoders_and_tlv_parser_decode_or_raise_our_error(body):
    outcomes = {
        decoded_or_our_error(decoder, body)
        for decoder in (*ANSWER_DECODERS, parse_tlvs)
    }
    assert outcomes <= {"decoded", "our error"}


class NoisyPty:
    """A pty whose far end has already written ``data`` and then stays silent."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.transport = Transport.open(os.ttyname(self.slave), byte_timeout=0.005)

    def feed(self, data):
        self.transport.port.reset_input_buffer()
        if data:
            os.write(self.master, data)

    def close(self):
        self.transport.close()
        os.close(self.master)
        os.close(self.slave)


def run_with_watchdog(link, payload):
    """Run one exchange in a thread; return (finished, result or error)."""
    outcome = []

    def target():
        try:
            outcome.append(link.execute(payload, 0.02))
        except KktError as error:
            outcome.append(error)
        except Exception as error:
            outcome.append(("crash", error))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(WATCHDOG)
    return not thread.is_alive(), outcome[0] if outcome else None


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(noise, damaged_exchanges()), st.sampled_from([1, 2]))
def test_link_layers_on_noise_return_a_frame_or_raise_our_error(data, protocol):
    pty = NoisyPty()
    try:
        pty.feed(data)
        link_class = Link1 if protocol == 1 else Link2
        link = link_class(pty.transport, retries=2, control_timeout=0.02)
        finished, outcome = run_with_watchdog(link, bytes.fromhex("10 1e 00 00 00"))
    finally:
        pty.close()
    assert finished, "the link layer hung past its bounded timeouts"
    assert isinstance(outcome, (bytes, KktError)), outcome
