"""The languages EventFlow writes in, for the domain's own words (the mails to buyers): which languages
exist, the gettext catalogues (eventflow/locale/<lang>/LC_MESSAGES/*.po, every domain of a language
merged, read with babel at first use), and `Words`, one reader's language with its money and date
formats. Pure Python + babel: the domain writes a German buyer's mail without knowing about pages;
eventflow/i18n.py (the visitor of a page) builds on this module.

A builder takes `words = words_for(buyer.language)` and writes `words("Hi {name},").format(name=...)`;
the English msgid is the text (an unknown or missing language is English, so mails of orders stored
before languages were remembered read as they always did). The mails' words are catalogue domain
`mail` (eventflow/locale/<lang>/LC_MESSAGES/mail.po); tests/domain/test_mail_languages.py checks it.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from eventflow.domain.money import format_money

SUPPORTED = ("en", "de", "es")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# The CLDR locale money, numbers and dates are formatted in. English stays en_GB (the wording so far).
FORMAT_LOCALE = {"en": "en_GB", "de": "de_DE", "es": "es_ES"}
# The English mails' day patterns as CLDR skeletons: the parts, which each language orders its own way.
_SKELETONS = {"EEE d MMM y": "yMMMEd", "EEE d MMM": "MMMEd", "EEEE d MMMM y": "yMMMMEEEEd"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Every .po domain of the language merged; English (the msgids themselves) has none."""
    merged: Translations | None = None
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if language != DEFAULT else []:
        with po.open("rb") as source:
            catalog = read_po(source, locale=language, domain=po.stem)
        compiled = BytesIO()
        write_mo(compiled, catalog)  # untranslated and fuzzy entries left out: they fall back to English
        compiled.seek(0)
        loaded = Translations(compiled, domain=po.stem)
        merged = loaded if merged is None else merged.merge(loaded)
    return merged if merged is not None else gettext.NullTranslations()


def supported_language(tag: str | None) -> str | None:
    """`de`, `de-AT`, `es_ES` → the language we write in; None for anything else (English is then used)."""
    if not tag or len(tag) > 35:
        return None
    try:
        language = Locale.parse(tag.strip().replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return language if language in SUPPORTED else None


@dataclass(frozen=True, slots=True)
class Words:
    """One reader's language: their words (`words("...")`, `words.ngettext(...)`), money and dates."""

    language: str = DEFAULT

    def __call__(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return translations(self.language).ngettext(singular, plural, count)

    @property
    def format_locale(self) -> str:
        return FORMAT_LOCALE[self.language]

    def money(self, amount_minor: int, currency: str) -> str:
        return format_money(amount_minor, currency, locale=self.format_locale)

    def moment(self, instant: datetime, timezone: str, pattern: str = "EEE d MMM y, HH:mm") -> str:
        """An instant in the event's timezone: English in the CLDR `pattern` (as the mails always were),
        other languages in their own order of the same parts (`Sa., 9. Jan. 2027, 20:30`)."""
        local = instant.astimezone(ZoneInfo(timezone))
        day, _, time = pattern.partition(", ")
        skeleton = _SKELETONS.get(day)
        if self.language == DEFAULT or skeleton is None:
            return format_datetime(local, pattern, locale=self.format_locale)
        text = format_skeleton(skeleton, local, locale=self.format_locale)
        return f"{text}, {format_time(local, time, locale=self.format_locale)}" if time else text


ENGLISH = Words()


def words_for(language: str | None) -> Words:
    """The reader's words; English when the language is unknown (old orders, the API without a header)."""
    return Words(language) if language in SUPPORTED else ENGLISH
