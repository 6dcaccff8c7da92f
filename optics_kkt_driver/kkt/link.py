# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Link layers of the Shtrih-M protocol: one request payload in, one answer out.

Protocol 1 wraps each frame in the ENQ/ACK/NAK exchange; protocol 2 numbers its
packets so that a retransmitted request is answered from the device's cache.
"""

import logging
import time

from .errors import LinkError
from .frames import (
    ACK,
    ENQ,
    NAK,
    STX,
    STX2,
    encode_frame1,
    encode_frame2,
    encode_ping2,
    read_frame1,
    read_frame2,
)
from .trace import answer_hex, request_hex
from .transport import link_error

_logger = logging.getLogger(__name__)

DEFAULT_RETRIES = 3
CONTROL_TIMEOUT = 1.0
CONTROL_BYTE_TIMEOUTS = 5
MIN_CONTROL_BYTE_TIMEOUTS = 2
DRAIN_LIMIT = 1024
PROTOCOL2_HINT = (
    " (or it is set to protocol 2: check the protocol setting of the device)",
    " (или она работает по протоколу 2: проверьте настройку протокола ККТ)",
)


def read_until(transport, wanted, timeout):
    """Skip bytes until one in ``wanted`` arrives; return it, or None at the deadline.

    The deadline bounds the whole wait, so a peer streaming noise cannot hold the
    caller longer than ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            byte = transport.read(1, remaining)[0]
        except LinkError:
            return None
        if byte in wanted:
            return byte


def drain(transport):
    """Read and drop bytes until the line is quiet for one byte timeout."""
    for _byte in range(DRAIN_LIMIT):
        try:
            transport.read(1, transport.byte_timeout)
        except LinkError:
            return


def control_timeout_for(byte_timeout, timeout_scale=1.0):
    """Seconds to wait for the first byte of the device's reply to ENQ or a ping.

    A device answers within a byte timeout or two; the default of one second
    (five byte timeouts on slow lines) is shortened by ``timeout_scale`` but
    never below two byte timeouts, so a silent device is found out quickly.

    >>> control_timeout_for(0.1), control_timeout_for(0.1, 0.05)
    (1.0, 0.2)
    """
    usual = max(CONTROL_TIMEOUT, byte_timeout * CONTROL_BYTE_TIMEOUTS)
    return max(usual * timeout_scale, byte_timeout * MIN_CONTROL_BYTE_TIMEOUTS)


class Link:
    """What both link layers share: the transport, retries and the control wait.

    :param control_timeout: seconds to wait for ACK, NAK or a ping answer;
        by default computed by :func:`control_timeout_for` from the transport's
        byte timeout and ``timeout_scale``.
    """

    def __init__(
        self,
        transport,
        retries=DEFAULT_RETRIES,
        control_timeout=None,
        timeout_scale=1.0,
    ):
        self.transport = transport
        self.retries = retries
        self.control_timeout = control_timeout or control_timeout_for(
            transport.byte_timeout, timeout_scale
        )


class Link1(Link):
    """Protocol 1: ENQ first, frame, ACK, answer, ACK; bounded retries everywhere.

    ``execute`` never sends a request twice unless the device said it did not
    receive it (NAK, or NAK to a following ENQ), and never waits longer than the
    timeouts it was given times the retry count.
    """

    def execute(self, payload, timeout):
        """Send one request payload and return the answer payload.

        :param timeout: seconds the device may take to prepare the answer.
        :raises LinkError: when the exchange fails within the bounded retries.
        """
        frame = encode_frame1(payload)
        self._make_idle(timeout)
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug("%s -> %s", self.transport.where, request_hex(payload))
        for _attempt in range(self.retries):
            self.transport.discard_input()
            self.transport.write(frame)
            reply = self._read_control(self.control_timeout)
            if reply == ACK:
                return self._receive_answer(timeout)
            if reply == NAK:
                continue
            if self._enquire() == ACK:
                return self._receive_answer(timeout)
        raise link_error(
            self.transport.where,
            f"the device did not accept the frame after {self.retries} tries"
            + PROTOCOL2_HINT[0],
            f"ККТ не приняла кадр за {self.retries} попыток" + PROTOCOL2_HINT[1],
        )

    def _make_idle(self, timeout):
        """ENQ until the device says it is idle, reading and dropping old answers.

        Bytes already waiting are dropped first, so that a late answer to an
        earlier command cannot pass for the reply to this ENQ.
        """
        self.transport.discard_input()
        for _attempt in range(self.retries + 1):
            if self._enquire() == NAK:
                return
            stale = self._receive_answer(timeout)
            _logger.info(
                "%s: dropped a pending answer %s",
                self.transport.where,
                stale[:3].hex(" "),
            )
        raise link_error(
            self.transport.where,
            "the device keeps holding answers" + PROTOCOL2_HINT[0],
            "ККТ не переходит в режим ожидания команды" + PROTOCOL2_HINT[1],
        )

    def _enquire(self):
        """Send ENQ and return ACK or NAK; raise when the device stays silent."""
        for _attempt in range(self.retries):
            self.transport.write(bytes([ENQ]))
            reply = self._read_control(self.control_timeout)
            if reply is not None:
                return reply
        raise link_error(
            self.transport.where,
            "no answer to ENQ, the device is off or disconnected" + PROTOCOL2_HINT[0],
            "нет ответа на ENQ, ККТ выключена или не подключена" + PROTOCOL2_HINT[1],
        )

    def _read_control(self, timeout):
        """Return the next ACK or NAK, skipping other bytes (0xFF after ACK on TCP).

        Returns None when none arrives within ``timeout``.
        """
        return read_until(self.transport, (ACK, NAK), timeout)

    def _wait_for_stx(self, timeout):
        if read_until(self.transport, (STX,), timeout) is None:
            raise LinkError(
                f"{self.transport.where}: no answer within {timeout:g} s",
                f"{self.transport.where}: нет ответа за {timeout:g} с",
            )

    def _receive_answer(self, timeout):
        """Read the answer frame, asking again (NAK, ENQ) when it arrives broken."""
        for _attempt in range(self.retries):
            try:
                self._wait_for_stx(timeout)
                payload = read_frame1(self.transport.read_frame_bytes)
            except LinkError as error:
                _logger.debug("%s: bad answer: %s", self.transport.where, error)
                drain(self.transport)
                self.transport.write(bytes([NAK]))
                if self._enquire() != ACK:
                    raise link_error(
                        self.transport.where,
                        "the answer was lost and the device does not hold it any "
                        "more" + PROTOCOL2_HINT[0],
                        "ответ ККТ потерян" + PROTOCOL2_HINT[1],
                    ) from error
                continue
            self.transport.write(bytes([ACK]))
            if _logger.isEnabledFor(logging.DEBUG):
                _logger.debug("%s <- %s", self.transport.where, answer_hex(payload))
            return payload
        raise link_error(
            self.transport.where,
            f"no good answer after {self.retries} tries" + PROTOCOL2_HINT[0],
            f"нет корректного ответа за {self.retries} попыток" + PROTOCOL2_HINT[1],
        )


class Link2(Link):
    """Protocol 2: numbered packets, CRC16; a repeated number is never re-executed.

    The number is learnt from the device with a ping at the first call, again
    whenever an answer carries another number (the device restarted), and again
    after a failed exchange, since the device may have run that packet: the next
    request must not reuse its number and be answered from the cache.
    """

    def __init__(self, transport, *args, **kwargs):
        super().__init__(transport, *args, **kwargs)
        self.number = None

    def execute(self, payload, timeout):
        """Send one request payload and return the answer payload.

        A lost or broken answer is fetched again by resending the same packet
        number, which the device answers from its cache without executing.

        :raises LinkError: when the exchange fails within the bounded retries.
        """
        if self.number is None:
            self.synchronise()
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug(
                "%s -> #%s %s", self.transport.where, self.number, request_hex(payload)
            )
        for _attempt in range(self.retries):
            number = self.number
            self.transport.discard_input()
            self.transport.write(encode_frame2(number, payload))
            try:
                answer_number, answer = self._read_packet(timeout)
            except LinkError as error:
                _logger.debug("%s: bad answer: %s", self.transport.where, error)
                drain(self.transport)
                continue
            if answer_number is None:
                continue
            if answer_number == number:
                self.number = (number + 1) % 0x10000
                if _logger.isEnabledFor(logging.DEBUG):
                    _logger.debug(
                        "%s <- #%s %s", self.transport.where, number, answer_hex(answer)
                    )
                return answer
            _logger.info(
                "%s: packet number %s answered as %s, resynchronising",
                self.transport.where,
                number,
                answer_number,
            )
            self.number = (answer_number + 1) % 0x10000
        self.number = None
        raise link_error(
            self.transport.where,
            f"no answer after {self.retries} tries",
            f"нет ответа за {self.retries} попыток",
        )

    def synchronise(self):
        """Ping the device (empty packet) to learn the last packet number it ran."""
        for _attempt in range(self.retries):
            self.transport.discard_input()
            self.transport.write(encode_ping2())
            try:
                last, _answer = self._read_packet(self.control_timeout)
            except LinkError:
                drain(self.transport)
                continue
            if last is None:
                continue
            self.number = (last + 1) % 0x10000
            return
        raise link_error(
            self.transport.where,
            "no answer to a protocol 2 ping, the device is off, disconnected or set "
            "to protocol 1 (check the protocol setting of the device)",
            "нет ответа на пинг протокола 2, ККТ выключена, не подключена или "
            "работает по протоколу 1 (проверьте настройку протокола ККТ)",
        )

    def _read_packet(self, timeout):
        if read_until(self.transport, (STX2,), timeout) is None:
            raise LinkError(
                f"{self.transport.where}: no answer within {timeout:g} s",
                f"{self.transport.where}: нет ответа за {timeout:g} с",
            )
        return read_frame2(self.transport.read_frame_bytes)


LINKS = {1: Link1, 2: Link2}


def make_link(transport, protocol=1, retries=DEFAULT_RETRIES, timeout_scale=1.0):
    """Return the link layer for ``protocol`` (1 or 2) over ``transport``.

    ``timeout_scale`` shortens or lengthens the wait for the device's first
    reply byte, as it does the answer timeouts of the session.
    """
    if protocol not in LINKS:
        raise ValueError(f"Unknown Shtrih-M protocol {protocol!r}; use 1 or 2")
    return LINKS[protocol](transport, retries, timeout_scale=timeout_scale)
