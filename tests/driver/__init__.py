# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests of the pure-Python KKT driver: frames, link, commands, session."""
