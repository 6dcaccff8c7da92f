# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo addon of the KKT driver: the device model around the pure ``kkt`` package."""

from . import models


def uninstall_hook(env):
    """Drop the shared link state table that ``kkt.device`` keeps beside the ORM."""
    env.cr.execute("DROP TABLE IF EXISTS kkt_device_link")
