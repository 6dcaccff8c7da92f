# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests of the KKT emulator, over real sockets and pseudo-terminals."""
