# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Shtrih-M KKT emulator speaking protocol 1 or 2 over TCP or a pseudo-terminal.

Start it with ``python -m kkt.emulator --tcp PORT`` or ``--pty``; drive its faults
and clock through the JSON control channel (:mod:`kkt.emulator.control`).
"""
