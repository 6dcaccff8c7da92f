# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Repository-level tests: pure driver and emulator suites, external-server tests."""
