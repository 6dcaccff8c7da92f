# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the doctests of the pure-Python driver: they state its byte layouts."""

import doctest
import importlib
import pkgutil

import pytest

import kkt

MODULES = [
    info.name
    for info in pkgutil.walk_packages(kkt.__path__, prefix="kkt.")
    if not info.name.endswith("__main__")
]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests_pass(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
