# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Texts for the FN: typography a cashier would type plainly, CP866 checks.

The FN stores texts in CP866 and the device prints item names from CP1251.
"""

import unicodedata

FN_ENCODING = "cp866"
PRINT_ENCODING = "cp1251"

# Always replaced: typography that is not in both encodings or reads oddly.
TYPOGRAPHY = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "—": "-",
    "–": "-",
    "‑": "-",
    "€": "EUR",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
}

# Replaced only when the letter does not fit both encodings (Ukrainian і, ґ).
LETTERS = {"і": "и", "І": "И", "ґ": "г", "Ґ": "Г"}


def fits(text, encodings=(FN_ENCODING, PRINT_ENCODING)):
    """True when ``text`` encodes in each of ``encodings``."""
    try:
        for encoding in encodings:
            text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def unfit_characters(text, encodings=(FN_ENCODING, PRINT_ENCODING)):
    """The distinct characters of ``text`` that do not encode, in order.

    >>> unfit_characters("müller☺ü")
    'ü☺'
    """
    return "".join(dict.fromkeys(c for c in text if not fits(c, encodings)))


def printable(text):
    """``text`` as a cashier would type it for the FN, keeping what already fits.

    Typographic quotes, dashes, the euro sign and non-breaking spaces become
    plain ones; a letter that does not fit CP866 and CP1251 is transliterated
    (і to и) or loses its accent (é to e). Control characters (line breaks,
    tabs, NUL) become spaces and the ends are trimmed. What still does not fit
    is left for the caller's check.

    >>> printable("«Очки» — 10 €\\n")
    '"Очки" - 10 EUR'
    >>> printable("Іван José Ёлкин Rene\u0301")
    'Иван Jose Ёлкин Rene'
    """
    out = []
    for char in text:
        char = TYPOGRAPHY.get(char, char)
        if len(char) == 1 and unicodedata.category(char).startswith("C"):
            char = " "
        elif not fits(char):
            char = LETTERS.get(char) or _without_accents(char)
        out.append(char)
    return "".join(out).strip()


def _without_accents(char):
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )
    return base if fits(base) else char
