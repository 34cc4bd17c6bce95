"""Languages for the pages: which language a visitor reads (negotiated from Accept-Language, or the
header's switcher remembered in a cookie), and the gettext catalogues the pages' words come from.

A page marks a word with `_("Tickets")` / `ngettext("{n} ticket", "{n} tickets", n)` AT RENDER TIME (never
at import: the language is the visitor's). The visitor is found from the NiceGUI client's request, so the
same call works while a page is built and later in that page's event handlers. Outside a page (the API,
mail, jobs) the language is English. Catalogues are the .po files in eventflow/locale/<lang>/LC_MESSAGES/,
read with babel at first use (no compile step: `./run` and CI need nothing extra); every domain (file)
of a language is merged into one, so a page needs no domain name.

A new domain: `python -m tests.pages.i18n_catalogue <domain> <modules...>` adds the modules' new words to
eventflow/locale/{de,es}/LC_MESSAGES/<domain>.po (translations kept); translate them, and list the modules
under the domain in tests/pages/test_i18n.py `DOMAIN_FILES` (the completeness test). Placeholders are named
(`_("{count} left").format(count=n)`): translations may reorder them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies

from eventflow.domain.errors import DomainError
from eventflow.domain.language import DEFAULT as DEFAULT
from eventflow.domain.language import FORMAT_LOCALE as FORMAT_LOCALE
from eventflow.domain.language import LOCALE_DIR as LOCALE_DIR
from eventflow.domain.language import SUPPORTED as SUPPORTED
from eventflow.domain.language import translations as translations

LANGUAGE_COOKIE = "eventflow_lang"  # set by the header's switcher (components/frame.py)
CURRENCY_COOKIE = "eventflow_currency"  # the visitor's own choice of currency for approximate prices
HTML_LANG = {"en": "en-GB", "de": "de", "es": "es"}
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}
# A language alone names no country: the country most of its readers live in (for their currency).
LIKELY_TERRITORY = {"en": "GB", "de": "DE", "es": "ES"}


@dataclass(frozen=True)
class Visitor:
    """Who reads the page: their language (one of SUPPORTED), country if their browser said, currency choice."""

    language: str = DEFAULT
    territory: str | None = None
    chosen_currency: str | None = None

    @property
    def format_locale(self) -> str:
        return FORMAT_LOCALE[self.language]

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]

    @property
    def currency(self) -> str | None:
        """The currency approximate prices are shown in: the visitor's choice, else their country's."""
        if self.chosen_currency:
            return self.chosen_currency
        territory = self.territory or LIKELY_TERRITORY[self.language]
        currencies = get_territory_currencies(territory, tender=True)
        return currencies[0] if currencies else None


ENGLISH = Visitor()
_override: ContextVar[Visitor | None] = ContextVar("eventflow_visitor", default=None)
_by_client: WeakKeyDictionary[object, Visitor] = WeakKeyDictionary()


def accepted_tags(header: str | None) -> list[str]:
    """Accept-Language's tags best first (`de-AT,de;q=0.9,en;q=0.5` → de-AT, de, en); q=0 and junk skipped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0 and len(tag) <= 35:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def negotiate(accept_language: str | None, chosen: str | None = None,
              chosen_currency: str | None = None) -> Visitor:
    """The visitor's language: the switcher's choice (cookie) when supported, else the best of the browser's
    languages we have, else English. The country of the first tag that names one picks the currency."""
    tags = accepted_tags(accept_language)
    territory = next((loc.territory for loc in map(_parse, tags) if loc is not None and loc.territory), None)
    currency = chosen_currency.upper() if chosen_currency and _known_currency(chosen_currency) else None
    if chosen in SUPPORTED:
        return Visitor(chosen, territory, currency)
    best = Locale.negotiate([t.replace("-", "_") for t in tags], list(SUPPORTED), sep="_")
    language = best.language if best is not None and best.language in SUPPORTED else DEFAULT
    return Visitor(language, territory, currency)


def _known_currency(code: str) -> bool:
    from babel.numbers import is_currency
    return len(code) == 3 and is_currency(code.upper())


def visitor_from(headers: Mapping[str, str], cookies: Mapping[str, str]) -> Visitor:
    return negotiate(headers.get("accept-language"), cookies.get(LANGUAGE_COOKIE), cookies.get(CURRENCY_COOKIE))


def current_visitor() -> Visitor:
    """The visitor of the page being built or of the event handler running; English outside any page."""
    override = _override.get()
    if override is not None:
        return override
    try:
        from nicegui import context
        client = context.client
    except (RuntimeError, AttributeError, IndexError):
        return ENGLISH
    visitor = _by_client.get(client)
    if visitor is None:
        request = getattr(client, "_request", None)
        visitor = ENGLISH if request is None else visitor_from(request.headers, request.cookies)
        _by_client[client] = visitor
    return visitor


def current_language() -> str:
    return current_visitor().language


@contextmanager
def use_visitor(visitor: Visitor) -> Iterator[None]:
    """Render as this visitor (tests, and code outside a page that writes for a known reader)."""
    token = _override.set(visitor)
    try:
        yield
    finally:
        _override.reset(token)


def _(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a word for the catalogues where it is written; it is translated later, with `_(variable)`."""
    return message


def error_text(error: DomainError) -> str:
    """A domain error in the visitor's words: its English template translated (catalogue domain `errors`),
    then its parameters filled in (a nested error in its words too). What pages show; the API keeps
    `error.detail`, the English."""
    params = {name: error_text(value) if isinstance(value, DomainError) else value
              for name, value in error.params.items()}
    words = _(error.template)
    try:
        return words.format(**params) if params else words
    except (KeyError, IndexError, ValueError):  # a translation naming a wrong placeholder: the English
        return error.detail
