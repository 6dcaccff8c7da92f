# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exceptions of the KKT driver, each telling whether a later retry can help."""


class KktError(Exception):
    """Base of every driver error.

    ``retryable`` is True when the same call may succeed later without anybody
    touching the device (busy, still printing, link down, timeout); False when a
    person must act first (close the shift, replace the FN, load paper...).
    """

    retryable = False

    def __init__(self, message, message_ru=None):
        super().__init__(message)
        self.message = message
        self.message_ru = message_ru or message


class LinkError(KktError):
    """The bytes did not get through: no answer, timeout, broken frames."""

    retryable = True


class FrameError(LinkError):
    """A frame is malformed: wrong start byte, length or checksum."""
