# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Any payload gets a well-formed answer from the device state machine."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kkt.emulator.clock import Clock
from kkt.emulator.codes import split_code
from kkt.emulator.command_set import COMMANDS
from kkt.emulator.device import Device
from kkt.emulator.faults import Faults
from kkt.emulator.fn import FiscalStorage

CODES = sorted(COMMANDS)
PASSWORDS = st.sampled_from([1, 29, 30, 31]).map(lambda pwd: pwd.to_bytes(4, "little"))


def code_bytes(code):
    return code.to_bytes(2 if code > 0xFF else 1, "big")


PAYLOADS = st.one_of(
    st.binary(min_size=1, max_size=200),
    st.builds(
        lambda code, pwd, rest: code_bytes(code) + pwd + rest,
        st.sampled_from(CODES),
        PASSWORDS,
        st.binary(max_size=200),
    ),
)


def new_device():
    return Device(FiscalStorage("9999078900012345"), Clock(), Faults(), 0.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(PAYLOADS, min_size=1, max_size=20))
def test_every_payload_gets_its_code_and_an_error_byte_back(payloads):
    device = new_device()
    for payload in payloads:
        answer = device.execute(payload)
        _code, size = split_code(payload)
        assert answer[:size] == payload[:size]
        assert size < len(answer) <= 255
        assert answer[size] != 0x39
        if answer[size] != 0:
            assert len(answer) == size + 1
        assert device.mode() in (2, 3, 4) or device.mode() & 0x0F == 8
