# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Changes to the OCA job runner, applied when the addon is loaded server-wide."""

from .batch_notify import post_load

__all__ = ["post_load"]
