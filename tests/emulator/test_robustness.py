# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Random and broken byte streams never take the emulator down."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kkt.emulator.testing import running_emulator
from kkt.frames import encode_frame1, encode_frame2

from .common import RawClient, status

AFTER_BYTE_TIMEOUT = 0.15
FRAGMENTS = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda data: encode_frame1(status())[: len(data)], st.binary()),
    st.builds(lambda data: encode_frame2(1, status())[: len(data)], st.binary()),
    st.just(bytes([0x02, 0xFF])),
)


def resynchronised_status(client):
    time.sleep(AFTER_BYTE_TIMEOUT)
    client.port.reset_input_buffer()
    return client.command(status())


def test_garbage_never_stops_the_protocol_1_emulator():
    with running_emulator(print_time=0) as (url, control):
        client = RawClient(url)

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(st.lists(FRAGMENTS, max_size=4))
        def check(fragments):
            client.write(b"".join(fragments))
            answer = resynchronised_status(client)
            assert answer[:2] == b"\x10\x00"

        try:
            check()
        finally:
            client.close()
        assert control.call("ping") == {"pong": True}


def test_garbage_never_stops_the_protocol_2_emulator():
    with running_emulator(protocol=2) as (url, _control):
        client = RawClient(url)
        client.number = 1000

        @settings(max_examples=40, deadline=None)
        @given(st.lists(FRAGMENTS, max_size=4))
        def check(fragments):
            client.write(b"".join(fragments))
            time.sleep(AFTER_BYTE_TIMEOUT)
            client.port.reset_input_buffer()
            number, answer = client.command2(status())
            assert answer[:2] == b"\x10\x00"
            assert number == client.number

        try:
            check()
        finally:
            client.close()
