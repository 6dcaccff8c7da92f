# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Polling with a deadline for tests that drive a real server from outside."""

import time

import pytest

DEADLINE = 120.0


def wait_for(what, check, deadline=DEADLINE):
    """Poll ``check()`` until it returns a true value; fail after ``deadline``."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")
