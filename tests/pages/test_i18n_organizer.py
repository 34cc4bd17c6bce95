"""The organizer's pages and the door scanner in German and Spanish (issue 15): every word those modules mark
is in their catalogue (eventflow/locale/<lang>/LC_MESSAGES/organizer.po) for both languages, and an
organizer whose browser asks for German reads the dashboard in German with German money (`1.234,50 €`),
also after a live update (the hub's refresh writes in the page's language)."""

from __future__ import annotations

import string
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from eventflow.domain.models import Buyer
from eventflow.domain.money import FeeMode
from eventflow.domain.reservations import LineRequest
from eventflow.i18n import Visitor, use_visitor
from eventflow.pages.components.event_panels import money_tiles
from eventflow.pages.components.marks import pgettext
from tests.pages import test_pages_user
from tests.pages.i18n_catalogue import ROOT, TRANSLATED, po_path
from tests.pages.test_pages_user import Site, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend

PAGES = ROOT / "eventflow" / "pages"
# The modules of the organizer's domain: the organizer pages, their components and the door scanner.
ORGANIZER_FILES = [PAGES / f"{name}.py" for name in (
    "account", "payments_setup", "dashboard", "event_dashboard", "event_editor", "scanner",
)] + [PAGES / "components" / f"{name}.py" for name in (
    "cancel_panel", "code_form", "code_stats_panel", "codes_panel", "delete_buttons", "disputes_panel",
    "email_check", "embed_snippet", "event_form", "event_panels", "event_tags", "flyer_panel",
    "messages_panel", "order_actions", "organizer_address", "payouts_panel", "share_link", "staff_panel",
    "stripe_account", "live_refresh", "marks", "door_words", "questions_panel", "transfer_policy_panel",
    "wallet_pass_panel",
    "sources_panel", "exports_menu", "overview_panel",  # issue 18
    "forecast_panel",  # issue 18: what to do next
    "attendance_panel", "sales_week_chart", "daily_export_switch",  # issue 18
    "sale_settings_panel", "waitlist_panel",  # issue 13
    "mail_language_card",  # issue 15: the organizer's mails' language
)]


def test_every_page_module_that_marks_words_is_in_a_catalogue() -> None:
    """A new page or component that calls `_()` joins the public list (tests/pages/test_i18n.py) or the
    organizer list above; otherwise its words would never be checked for German and Spanish."""
    from tests.pages.test_i18n import DOMAIN_FILES

    listed = {path.resolve() for paths in DOMAIN_FILES.values() for path in paths} | {
        path.resolve() for path in ORGANIZER_FILES}
    marking = {path.resolve() for path in [*PAGES.glob("*.py"), *(PAGES / "components").glob("*.py")]
               if any(message for _line, message, _comments, _context in extract_from_file(
                   "python", str(path), keywords={**DEFAULT_KEYWORDS, "N_": None, "pgettext": ((1, "c"), 2)}))}
    assert sorted(str(path.relative_to(ROOT)) for path in marking - listed) == []


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def organizer_words() -> dict[tuple[str | None, str | tuple[str, str]], str]:
    """(context, msgid or (singular, plural)) → where, by babel's extractor (`_`, `ngettext`, `N_`, `pgettext`)."""
    found: dict[tuple[str | None, str | tuple[str, str]], str] = {}
    for path in ORGANIZER_FILES:
        for lineno, message, _comments, context in extract_from_file("python", path, DEFAULT_KEYWORDS):
            key = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault((context, key), f"{path.relative_to(ROOT)}:{lineno}")
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_organizer_word_is_translated(language: str) -> None:
    """babel's extractor over the organizer modules; each msgid (each plural form, each context) has a
    non-empty, non-fuzzy translation in organizer.po with the same {placeholders} as the English."""
    words = organizer_words()
    assert len(words) > 400
    with po_path(language, "organizer").open("rb") as source:
        catalogue = read_po(source, locale=language, domain="organizer")
    problems: list[str] = []
    for (context, key), where in words.items():
        message = catalogue.get(key if isinstance(key, str) else key[0], context=context)
        if message is None or message.fuzzy:
            problems.append(f"missing: {key!r} ({where})")
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        english = key if isinstance(key, str) else key[1]
        if not all(forms) or any(_placeholders(form) != _placeholders(english) for form in forms):
            problems.append(f"untranslated or wrong placeholders: {key!r} → {forms!r}")
    assert not problems, "\n".join(problems)


def test_a_word_with_two_senses_keeps_each() -> None:
    """"To" names a message's recipients here and a date range's end on the browse page (public.po)."""
    with use_visitor(Visitor("de")):
        assert pgettext("message", "To") == "An"  # whatever another domain says for a bare "To"
        assert pgettext("a use is one", "order") == "Bestellung"
    assert pgettext("message", "To") == "To"


def test_english_tiles_unchanged_and_german_tiles_translated() -> None:
    with use_visitor(Visitor("de")):
        labels = [label for label, _testid, _note in money_tiles(FeeMode.BUYER_PAYS)]
    assert labels == ["Verkaufte Tickets", "Gerade reserviert", "Ticketverkäufe", "Plattformgebühr", "Dein Netto"]
    assert money_tiles(FeeMode.BUYER_PAYS)[0][0] == "Tickets sold"  # outside a page: English


@pytest.mark.anyio
async def test_the_dashboard_in_german(site: Site) -> None:
    organizer = site.organizer()
    event, (deck,) = site.event(organizer, [{"name": "Deck", "price_minor": 123450, "capacity": 10}])
    ticketing = site.services.ticketing
    held = ticketing.reserve(event.id, [LineRequest(deck.id, 1)], Buyer("nina@example.com", "Nina"))
    ticketing.confirm(held.id, payment_ref=f"demo_{held.id}")
    user = site.user
    await log_in(site, organizer)  # in English (the browser asked for nothing)
    user.http_client.headers["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.5"
    await user.open("/dashboard")
    await user.should_see("Hallo, Orla Organizer")
    await user.should_see("1 / 10 verkauft")
    await user.open(f"/dashboard/events/{event.id}")
    await user.should_see("Verkäufe im Zeitverlauf")
    await user.should_see("Teilnehmer")
    await user.should_see("Einlasspersonal")
    assert element(user, "gross").text == "1.234,50\u00a0€"
    assert element(user, "net").text == "1.234,50\u00a0€"
    columns = [column["label"] for column in element(user, "tier-table").columns]
    assert columns[:4] == ["Kategorie", "Verkauft", "Reserviert", "Übrig"]
    chart = element(user, "sales-chart").figure["layout"]
    assert chart["xaxis"]["tickformat"] == "%d.%m. %H:%M" and chart["yaxis"]["title"]["text"] == "verkaufte Tickets"

    second = ticketing.reserve(event.id, [LineRequest(deck.id, 1)], Buyer("otto@example.com", "Otto"))
    ticketing.confirm(second.id, payment_ref=f"demo_{second.id}")  # the hub refreshes the open dashboard
    await until(lambda: element(user, "gross").text == "2.469,00\u00a0€")
    assert element(user, "total-sold").text == "2"


@pytest.mark.anyio
async def test_the_scanner_gets_its_words_in_german(site: Site) -> None:
    """scanner.js writes English unless the page hands it words; a German phone gets German ones (and the
    date locale), an English one none at all (the JavaScript's own English stays)."""
    organizer = site.organizer()
    event, _tiers = site.event(organizer, [{"name": "Deck", "price_minor": 1000, "capacity": 10}])
    user = site.user

    def options() -> dict[str, Any]:
        (scanner,) = [e for e in user.current_layout.descendants() if e.props.get("module") == "EventFlowScanner"]
        return dict(scanner.props["options"])

    await user.open(f"/scan/{event.id}")
    assert options() == {"eventId": event.id, "words": {}}
    user.http_client.headers["Accept-Language"] = "de-DE"
    await user.open(f"/scan/{event.id}")
    words = options()["words"]
    assert (words["Admitted"], words["Already checked in"], words["_locale"]) == (
        "Eingelassen", "Bereits eingecheckt", "de-DE")
    assert words["{inside} / {total} checked in"] == "{inside} / {total} eingecheckt"
