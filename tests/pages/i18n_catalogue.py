"""The gettext catalogues' bookkeeping, for the completeness test and for people adding words.

`python -m tests.pages.i18n_catalogue public eventflow/pages/home.py ...` extracts the marked words of those
files (babel's extractor: `_`, `ngettext`, `N_`) and adds the new ones, untranslated, to
eventflow/locale/{de,es}/LC_MESSAGES/<domain>.po (translations already there are kept). Then translate them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from eventflow.i18n import LOCALE_DIR, SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in SUPPORTED if language != "en"]


def marked_words(paths: list[Path]) -> dict[str | tuple[str, str], list[str]]:
    """Every msgid (a (singular, plural) pair for ngettext) marked in these files → where."""
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in paths:
        for lineno, message, _comments, _context in extract_from_file("python", path, DEFAULT_KEYWORDS):
            key = message if isinstance(message, str) else (message[0], message[1])
            if key:
                found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    return found


def po_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def read_catalogue(language: str, domain: str) -> Catalog:
    path = po_path(language, domain)
    if not path.exists():
        return Catalog(locale=language, domain=domain, project="EventFlow")
    with path.open("rb") as source:
        return read_po(source, locale=language, domain=domain)


def update(domain: str, paths: list[Path]) -> None:
    words = marked_words(paths)
    for language in TRANSLATED:
        catalogue = read_catalogue(language, domain)
        for key, where in words.items():
            if catalogue.get(key if isinstance(key, str) else key[0]) is None:
                catalogue.add(key, locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where])
        po_path(language, domain).parent.mkdir(parents=True, exist_ok=True)
        with po_path(language, domain).open("wb") as target:
            write_po(target, catalogue, width=120, omit_header=False, sort_output=False, include_lineno=False)


if __name__ == "__main__":
    update(sys.argv[1], [Path(p).resolve() for p in sys.argv[2:]])
