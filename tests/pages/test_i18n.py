"""Languages and currencies (issue 15): the visitor's language from Accept-Language or the switcher's
cookie, money / numbers / dates written the visitor's way, the approximate price in their currency from
the operator's rates, and catalogues in which every word the pages mark has German and Spanish."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventflow.adapters.exchange_rates import ExchangeRates
from eventflow.i18n import SUPPORTED, Visitor, _, negotiate, ngettext, translations, use_visitor
from eventflow.pages.components.formatting import (
    approximate,
    availability_text,
    event_when,
    fee_words,
    local_moment,
    money,
    price_label,
)
from tests.pages.i18n_catalogue import ROOT, TRANSLATED, marked_words

GERMAN, SPANISH, ENGLISH = Visitor("de"), Visitor("es"), Visitor("en")
START = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)
END = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "cookie", "language", "territory"), [
    ("de-AT,de;q=0.9,en;q=0.5", None, "de", "AT"),
    ("fr-FR,es;q=0.8,en;q=0.7", None, "es", "FR"),  # French first but not offered: the next we have
    ("en-US,en;q=0.9", None, "en", "US"),
    ("en;q=0.2,de;q=0.9", None, "de", None),  # quality, not position, decides
    ("de;q=0, es", None, "es", None),  # q=0 means "not this one"
    (None, None, "en", None),
    ("zz-ZZ, ***;q=x", None, "en", None),  # junk: English, never an error
    ("de-DE", "es", "es", "DE"),  # the switcher's choice beats the browser
    ("de-DE", "fr", "de", "DE"),  # a cookie naming no language we have is ignored
])
def test_negotiates_the_language(header: str | None, cookie: str | None, language: str,
                                 territory: str | None) -> None:
    visitor = negotiate(header, cookie)
    assert (visitor.language, visitor.territory) == (language, territory)


def test_the_visitors_currency_comes_from_their_country_or_their_choice() -> None:
    assert negotiate("de-CH").currency == "CHF"
    assert negotiate("en-US").currency == "USD"
    assert negotiate("de").currency == "EUR" and negotiate("es").currency == "EUR"
    assert negotiate("en").currency == "GBP"
    assert negotiate("de-DE", None, "usd").currency == "USD"
    assert negotiate("de-DE", None, "XX1").currency == "EUR"  # not a currency: ignored


# CLDR keeps the amount and its sign together: a no-break space (a space on screen)


def test_money_numbers_and_dates_in_german_and_spanish() -> None:
    with use_visitor(GERMAN):
        assert money(123450, "EUR") == "1.234,50\u00a0€"
        assert money(1000, "USD") == "10,00\u00a0$"
        assert price_label(0, "EUR") == "Kostenlos"
        assert event_when(START, END, "Europe/Berlin") == "Sa., 12. Dez. 2026, 18:00–00:00 (Europe/Berlin)"
        assert local_moment(START, START, "Europe/Berlin") == "Sa., 12. Dez., 18:00 (Europe/Berlin)"
        assert fee_words("EUR") == "2,5% + 0,30\u00a0€ pro bezahltem Ticket"
        assert availability_text(3, 100) == "Nur noch 3 übrig"
    with use_visitor(SPANISH):
        assert money(123450, "EUR") == "1.234,50\u00a0€"
        assert money(1234500, "EUR") == "12.345,00\u00a0€"
        assert event_when(START, END, "Europe/Madrid") == "sáb, 12 dic 2026, 18:00–00:00 (Europe/Madrid)"
        assert price_label(0, "EUR") == "Gratis"


def test_english_stays_as_it_was() -> None:
    with use_visitor(ENGLISH):
        assert money(123450, "EUR") == "€1,234.50"
        assert event_when(START, END, "Europe/Berlin") == "Sat 12 Dec 2026, 18:00–00:00 (Europe/Berlin)"
        assert fee_words("EUR") == "2.5% + €0.30 per paid ticket"
        assert availability_text(1234, 5000) == "1234 left"
        assert price_label(0, "EUR") == "Free"
        assert _("Sold out") == "Sold out" and ngettext("{n} ticket", "{n} tickets", 2) == "{n} tickets"


def test_outside_a_page_the_language_is_english() -> None:
    assert _("Sold out") == "Sold out"
    assert money(123450, "EUR") == "€1,234.50"


def rates_file(tmp_path: Path, rates: dict[str, float]) -> ExchangeRates:
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"base": "EUR", "rates": rates}))
    return ExchangeRates(str(path))


def test_approximate_price_in_the_visitors_currency(tmp_path: Path) -> None:
    rates = rates_file(tmp_path, {"USD": 1.08, "GBP": 0.85, "JPY": 160.5})
    with use_visitor(negotiate("en-US")):
        assert approximate(123450, "EUR", rates) == "≈ US$1,333.26 (approximate)"
        assert approximate(1000, "USD", rates) is None  # already the visitor's currency
        assert approximate(0, "EUR", rates) is None  # free is free everywhere
        assert approximate(1000, "CHF", rates) is None  # a currency the rates do not know
    with use_visitor(negotiate("de-DE", None, "JPY")):
        assert approximate(1000, "GBP", rates) == "≈ 1.888\u00a0¥ (ungefähr)"  # 10 GBP → 1888.24 JPY, no minor unit
    with use_visitor(negotiate("en-GB")):
        assert approximate(1000, "EUR", ExchangeRates(None)) is None  # no rates configured: nothing shown


def test_rates_are_read_again_daily_and_a_broken_source_keeps_the_last(tmp_path: Path) -> None:
    now = [0.0]
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"base": "EUR", "rates": {"USD": 1.10}}))
    rates = ExchangeRates(str(path), clock=lambda: now[0])
    assert float(rates.rate("EUR", "USD") or 0) == pytest.approx(1.10)
    path.write_text(json.dumps({"base": "EUR", "rates": {"USD": 1.20}}))
    now[0] = 3600
    assert float(rates.rate("EUR", "USD") or 0) == pytest.approx(1.10)  # within the day: not read again
    now[0] = 24 * 3600
    assert float(rates.rate("EUR", "USD") or 0) == pytest.approx(1.20)
    path.write_text("not json")
    now[0] = 48 * 3600
    assert float(rates.rate("USD", "EUR") or 0) == pytest.approx(1 / 1.20)  # broken today: yesterday's rates stay
    assert ExchangeRates(str(tmp_path / "missing.json")).rate("EUR", "USD") is None


def test_a_rates_url_is_fetched_by_the_job_in_a_worker_thread_never_by_a_page(tmp_path: Path) -> None:
    """A slow rate feed must not stall the event loop: rendering a price never fetches the URL; the
    job (app/jobs.py refresh_exchange_rates) fetches it off the loop, and pages then use it."""
    import asyncio
    import http.server
    import threading

    from eventflow.adapters.exchange_rates import shared_rates
    from eventflow.app.jobs import refresh_exchange_rates

    fetched_in: list[str] = []

    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched_in.append("request")
            body = json.dumps({"base": "EUR", "rates": {"USD": 1.25}}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/latest"
    try:
        rates = shared_rates(url)
        with use_visitor(negotiate("en-US")):
            assert approximate(1000, "EUR", rates) is None and fetched_in == []  # the page did not fetch

        async def one_pass() -> None:
            job = asyncio.create_task(refresh_exchange_rates(url, check_seconds=3600))
            for _ in range(200):
                if rates.rates():
                    break
                await asyncio.sleep(0.01)
            job.cancel()

        loop_thread = threading.get_ident()
        original = rates.refresh

        def refresh_and_note() -> dict:  # type: ignore[type-arg]
            assert threading.get_ident() != loop_thread  # fetched off the event loop's thread
            return original()

        rates.refresh = refresh_and_note  # type: ignore[method-assign]
        asyncio.run(one_pass())
        assert fetched_in == ["request"]
        with use_visitor(negotiate("en-US")):
            assert approximate(1000, "EUR", rates) == "≈ US$12.50 (approximate)"
    finally:
        server.shutdown()


# The modules each catalogue domain covers (eventflow/locale/<lang>/LC_MESSAGES/<domain>.po). A module
# that marks words joins its domain's list here; the organizer pages' domain adds its own entry.
PAGES = ROOT / "eventflow" / "pages"
DOMAIN_FILES: dict[str, list[Path]] = {
    "public": [PAGES / "components" / f"{name}.py" for name in (
        "frame", "formatting", "tier_card", "purchase", "code_entry", "breakdown", "share_buttons",
        "resume_checkout", "event_status_banner", "listing_cards", "more_like_this",
        "refund_request", "attendee_form", "transfer_form", "wallet_pass_button", "wallet_view",
        "waitlist_join", "waiting_room_panel",
    )] + [PAGES / f"{name}.py" for name in (
        "event_page", "checkout", "demo_payment", "order", "ticket", "home", "browse", "organizer_profile",
        "embed", "login", "password_reset", "not_found", "stripe_return", "oidc_login", "my_tickets", "waitlist",
    )] + [ROOT / "eventflow" / "adapters" / "oidc.py"],  # its LoginFailed reasons (N_), shown by oidc_login
}


@pytest.mark.parametrize("domain", sorted(DOMAIN_FILES))
def test_every_marked_word_has_german_and_spanish(domain: str) -> None:
    """Catalogue completeness: babel's extractor over the domain's modules; each msgid (and plural) must
    have a non-empty, non-fuzzy translation in German and Spanish, with no {placeholder} the English lacks."""
    words = marked_words(DOMAIN_FILES[domain])
    assert len(words) > 20
    missing: list[str] = []
    for language in TRANSLATED:
        catalogue = translations(language)
        for key, where in words.items():
            singular = key if isinstance(key, str) else key[0]
            found = catalogue.gettext(singular) if isinstance(key, str) else catalogue.ngettext(key[0], key[1], 1)
            if found == singular and singular not in UNCHANGED.get(language, ()):
                missing.append(f"{language}: {singular!r} ({where[0]})")
            elif not _placeholders(found) <= _placeholders(singular):  # a sentence may leave one out
                missing.append(f"{language}: unknown placeholders in {found!r} for {singular!r}")
    assert not missing, "\n".join(missing)


# Words that are the same in the other language (a brand, a word borrowed as it is).
UNCHANGED: dict[str, tuple[str, ...]] = {
    "de": ("Dashboard", "Ticket", "Tickets", "Code {code}", "Ticket {number} · {tier}", "Name"),
    "es": ("Total",),
}


def _placeholders(text: str) -> set[str]:
    import string
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_languages_offered() -> None:
    assert SUPPORTED == ("en", "de", "es")


def test_a_live_change_keeps_each_pages_badge_in_its_own_language() -> None:
    """`TierRow.remember` runs for every open page on every change outside any page's context: a German
    page's server-side badge must still read German (NiceGUI re-renders from it), and cheaply."""
    from types import SimpleNamespace
    from typing import Any, cast

    from eventflow.domain.models import TierCount
    from eventflow.pages.components.tier_card import TierRow

    with use_visitor(negotiate("de-DE")):
        german = TierRow(capacity=100, available=100, badge=cast(Any, SimpleNamespace(text="")),
                         card=cast(Any, None))
    english = TierRow(capacity=100, available=100, badge=cast(Any, SimpleNamespace(text="")), card=cast(Any, None))
    for row in (german, english):
        row.remember(TierCount("tier", capacity=100, held=3, sold=60))  # outside any page, as the fan-out runs
    assert german.badge.text == "Noch 37 übrig" and english.badge.text == "37 left"
