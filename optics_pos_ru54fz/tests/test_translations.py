# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Russian translation holds every term Odoo exports for the addon, as Odoo
loads it, and keeps the placeholders of each term."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.optics_kkt_driver.tests.test_translations import (
    RussianTranslationCheck,
)


@tagged("post_install", "-at_install")
class TestPosFiscalTranslations(RussianTranslationCheck, TransactionCase):
    module = "optics_pos_ru54fz"
