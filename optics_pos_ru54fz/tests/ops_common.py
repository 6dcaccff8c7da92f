# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the operations tests: run a module's doctests as tests of this
addon, so ``--test-tags /optics_pos_ru54fz`` selects them."""

import doctest

from odoo.addons.queue_job.tests.common import OdooDocTestCase

MODULE = "optics_pos_ru54fz"


def load_module_doctests(module):
    """Return a ``load_tests`` hook adding the doctests of ``module``."""

    def load_tests(loader, tests, ignore):
        for index, test in enumerate(doctest.DocTestSuite(module)):
            case = OdooDocTestCase(test, seq=index)
            case.test_module = MODULE
            case.test_tags = {"standard", "at_install", "doctest"}
            tests.addTest(case)
        return tests

    return load_tests
