# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Modules of the `ru54fz` command: set-up, test runner, demo, Odoo processes."""
