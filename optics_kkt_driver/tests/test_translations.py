# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Russian translation holds every term Odoo exports for the addon, as Odoo
loads it, and keeps the placeholders of each term."""

import re

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import (
    JAVASCRIPT_TRANSLATION_COMMENT,
    TranslationFileReader,
    TranslationModuleReader,
    code_translations,
    get_po_paths,
)

LANG = "ru_RU"
# printf conversions (%s, %(name)s, %.2f, %%) and brace fields ({0}, {name}).
FORMAT_PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{\w*\}"
)
# Markup inside view and template terms, and inline template expressions.
MARKUP_PLACEHOLDER = re.compile(r"</?\w[^>]*>|\{\{.*?\}\}")


class RussianTranslationCheck:
    """Compare the terms Odoo exports for ``module`` with the Russian
    translations Odoo serves for it: code terms as the server and the web
    client get them, record and view terms as an import reads them from the
    addon's ``i18n`` files (merged with ``i18n/<module>.pot`` when there is one).

    Mixed into a ``TransactionCase`` that sets ``module``.
    """

    module = None
    longMessage = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reader = TranslationModuleReader(cls.env.cr, modules=[cls.module])
        cls.terms = [
            {
                "type": ttype,
                "name": name,
                "res_id": res_id,
                "src": src,
                "web": JAVASCRIPT_TRANSLATION_COMMENT in comments,
            }
            for _module, ttype, name, res_id, src, _value, comments in reader
        ]
        cls.python_translations = code_translations.get_python_translations(
            cls.module, LANG
        )
        cls.web_translations = {
            message["id"]: message["string"]
            for message in code_translations.get_web_translations(cls.module, LANG)[
                "messages"
            ]
        }
        cls.record_translations = cls._read_record_translations()

    @classmethod
    def _read_record_translations(cls):
        """Return ``{(type, name, xml id, source): translation}`` of the terms
        of records and views, read with Odoo's own po reader."""
        translations = {}
        for path in get_po_paths(cls.module, LANG):
            with file_open(path, mode="rb") as po_file:
                for row in TranslationFileReader(po_file, fileformat="po"):
                    if row["type"] == "code" or not row["value"]:
                        continue
                    xmlid = f"{row['module']}.{row['imd_name']}"
                    key = (row["type"], row["name"], xmlid, row["src"])
                    translations[key] = row["value"]
        return translations

    def _translation(self, term):
        if term["type"] == "code":
            table = self.web_translations if term["web"] else self.python_translations
            return table.get(term["src"])
        key = (term["type"], term["name"], term["res_id"], term["src"])
        return self.record_translations.get(key)

    def _keeps_placeholders(self, term, translation):
        pattern = FORMAT_PLACEHOLDER if term["type"] == "code" else MARKUP_PLACEHOLDER
        expected = sorted(pattern.findall(term["src"]))
        return sorted(pattern.findall(translation)) == expected

    def test_every_exported_term_has_a_russian_translation(self):
        self.assertTrue(self.terms, f"Odoo exports no term for {self.module}.")
        missing = sorted(
            {term["src"] for term in self.terms if not self._translation(term)}
        )
        self.assertFalse(
            missing,
            f"{len(missing)} terms of {self.module} have no Russian translation as "
            f"Odoo loads {self.module}/i18n/ru.po (a term left out of "
            f"i18n/{self.module}.pot, if the addon ships one, is dropped too):\n"
            + "\n".join(f"- {source!r}" for source in missing),
        )

    def test_russian_translations_keep_the_placeholders_of_their_term(self):
        differ = set()
        for term in self.terms:
            translation = self._translation(term)
            if translation and not self._keeps_placeholders(term, translation):
                differ.add(f"- {term['src']!r}\n  -> {translation!r}")
        self.assertFalse(
            differ,
            f"Russian translations of {self.module} whose placeholders differ "
            "from their term's:\n" + "\n".join(sorted(differ)),
        )


@tagged("post_install", "-at_install")
class TestKktDriverTranslations(RussianTranslationCheck, TransactionCase):
    module = "optics_kkt_driver"
