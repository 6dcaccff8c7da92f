# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The device clock: wall time plus an offset that tests move forward."""

import time

HOUR = 3600.0
DAY = 24 * HOUR


class Clock:
    """Wall-clock time shifted by ``offset`` seconds.

    >>> clock = Clock()
    >>> clock.advance(hours=25)
    >>> clock.offset == 25 * HOUR
    True
    """

    def __init__(self, offset=0.0):
        self.offset = float(offset)

    def now(self):
        """The device time as a POSIX timestamp."""
        return time.time() + self.offset

    def advance(self, hours=0.0, seconds=0.0):
        """Move the clock forward (or back, with negative values)."""
        self.offset += hours * HOUR + seconds
