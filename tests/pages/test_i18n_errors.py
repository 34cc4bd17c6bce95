"""Domain errors in the visitor's language (issue 15): every template an error can show (class docstrings,
the literals raised, `N_` marks in the domain and the stores; tests/pages/error_templates.py) has German and
Spanish with the same placeholders, no error is raised with words put together in place (an f-string has no
catalogue entry), pages show `error_text` in the visitor's words while the API keeps the English, and a
German buyer reads a wrong code's and a too-large order's refusal in German (and their hold keeps the
language for their mails)."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from eventflow.domain.access_code_rules import CodeUsedUp
from eventflow.domain.access_codes import CodeSettings
from eventflow.domain.errors import CapacityBelowSold, TooManyAttempts, ValidationFailed
from eventflow.i18n import LOCALE_DIR, Visitor, error_text, use_visitor
from tests.pages import test_pages_user
from tests.pages.error_templates import all_templates, scan_sources
from tests.pages.test_codes_pages import TIERS
from tests.pages.test_pages_user import Site, by_testid, element, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
GERMAN, SPANISH = Visitor("de"), Visitor("es")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", ["de", "es"])
def test_every_error_template_has_a_translation_with_the_same_placeholders(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "errors.po").open("rb") as source:
        catalogue = {m.id: m.string for m in read_po(source) if m.id and not m.fuzzy}
    templates = all_templates()
    assert len(templates) > 150  # the walk found the domain's errors, not an empty folder
    missing = sorted(t for t in templates if not catalogue.get(t))
    assert not missing, f"{len(missing)} error templates lack {language}: python -m tests.pages.error_templates " \
                        f"{language} >> the errors.po, then translate\n" + "\n".join(missing)
    wrong = [t for t in templates if _placeholders(str(catalogue[t])) != _placeholders(t)]
    assert not wrong, f"placeholders differ in {language}: {wrong}"


def test_no_error_is_raised_with_words_put_together_in_place() -> None:
    _, built = scan_sources()
    assert not built, "raise with a template and named parameters instead:\n" + "\n".join(built)


def test_pages_show_the_visitors_words_and_the_api_keeps_the_english() -> None:
    error = ValidationFailed("At most {count} {tier} tickets per order", count=4, tier="VIP")
    assert error.detail == "At most 4 VIP tickets per order"  # what the JSON API answers
    with use_visitor(GERMAN):
        assert error_text(error) == "Höchstens 4 Tickets „VIP“ pro Bestellung"
        assert error_text(CodeUsedUp()) == "Dieser Code ist aufgebraucht."
        assert error_text(TooManyAttempts(61)) == "Zu viele Fehlversuche. Bitte versuche es in 2 Minuten noch einmal."
    with use_visitor(SPANISH):
        assert error_text(CapacityBelowSold.of_tier("Pista", 2, 5)) == \
            "Pista: la capacidad no puede bajar de 7 (5 vendidas, 2 reservadas ahora)"
    assert error_text(error) == error.detail  # outside a page: English
    nested = ValidationFailed("{problem}: change the tier's sales window first, or end the event later",
                              problem=ValidationFailed("sales_end of {tier} must not be after the event ends",
                                                       tier="Early"))
    with use_visitor(GERMAN):
        assert error_text(nested).startswith("Das Verkaufsende von Early darf nicht")


@pytest.mark.anyio
async def test_a_german_buyer_reads_a_wrong_code_and_a_too_large_order_in_german(site: Site) -> None:
    organizer = site.organizer()
    event, (_entry, vip) = site.event(organizer, TIERS)
    site.services.codes.create(organizer.id, event.id, CodeSettings(
        code="VIP2026", unlocks_tiers=None, discount_percent=25, max_per_order=1))
    user = site.user
    with use_visitor(GERMAN):
        await user.open(f"/e/{event.slug}?code=NOPE123")
        await user.should_see("Dieser Code gilt nicht für diese Veranstaltung.")
        await user.open(f"/e/{event.slug}?code=VIP2026")
        by_testid(user, f"plus-{vip.id}").click()
        by_testid(user, f"plus-{vip.id}").click()
        by_testid(user, "buyer-name").type("Vera Vip")
        by_testid(user, "buyer-email").type("vera@example.com")
        by_testid(user, "reserve").click()
        refusal = "Höchstens 1 Tickets pro Bestellung mit diesem Code"
        await until(lambda: refusal in str(element(user, "purchase-error").text))
        by_testid(user, f"minus-{vip.id}").click()
        by_testid(user, "reserve").click()
        await until(lambda: path_now(user).startswith("/checkout/"))
    reservation = site.services.ticketing.get_reservation(path_now(user).rsplit("/", 1)[1])
    assert reservation.buyer.language == "de"  # the mails about this order will be German
