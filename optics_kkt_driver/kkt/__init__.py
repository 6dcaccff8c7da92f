# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure-Python driver for Russian online cash registers (KKT), Shtrih-M family.

Nothing in this package imports Odoo: it runs in tests, tools and the emulator alone.
"""
