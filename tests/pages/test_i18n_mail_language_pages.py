"""An organizer's language on their pages (issue 15): the cover uploader's label in the page's language, the
account's "Language of your mails" setting (kept with the account, used for their mails), and a login in
German keeps German for an account that had no language yet."""

from __future__ import annotations

import pytest

from eventflow.domain.errors import N_
from tests.pages import test_pages_user
from tests.pages.test_pages_user import PASSWORD, Site, by_testid, element, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend


@pytest.mark.anyio
async def test_uploader_label_and_the_mail_language_setting(site: Site) -> None:
    organizer = site.organizer()
    event, _tiers = site.event(organizer, [{"name": "Deck", "price_minor": 1000, "capacity": 10}])
    user = site.user
    user.http_client.headers["Accept-Language"] = "es-ES"
    await user.open("/login")  # no language kept yet: the login's (Spanish) becomes the mails'
    by_testid(user, "login-email").type(organizer.email)
    by_testid(user, "login-password").type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: path_now(user) == "/dashboard")
    accounts = site.services.accounts
    assert accounts.organizer(organizer.id).language == "es"
    await user.open(f"/dashboard/events/{event.id}/edit")
    assert element(user, "cover-upload").props["label"] == "Subir JPEG o PNG"
    user.http_client.headers["Accept-Language"] = "de-DE"
    await user.open(f"/dashboard/events/{event.id}/edit")
    assert element(user, "cover-upload").props["label"] == "JPEG oder PNG hochladen"
    await user.open("/account")
    await user.should_see("Sprache deiner Mails")
    select = element(user, "mail-language-select")
    assert select.value == "es"  # kept from the login, not this page's German
    select.value = "de"
    await until(lambda: accounts.organizer(organizer.id).language == "de")
    await until(lambda: "Deutsch" in element(user, "mail-language-saved").text)
    by_testid(user, "change-password").click()  # the reset link's mail, from the account page
    await until(lambda: any(m.mail.subject == "Wähle ein neues EventFlow-Passwort"
                            for m in site.store.due_outbox_messages(site.services.ticketing.clock.now(), 20)))


@pytest.mark.parametrize(("header", "words"), [
    ("de-DE", "Die Anmeldung bei Okta wurde abgebrochen oder abgelehnt."),
    ("es", "El acceso en Okta se canceló o se rechazó."),
    ("en", "The login at Okta was cancelled or refused."),
])
def test_a_failed_provider_login_is_explained_in_the_visitors_language(header: str, words: str) -> None:
    from starlette.requests import Request

    from eventflow.adapters.oidc import LoginFailed
    from eventflow.pages.oidc_login import failure_words

    problem = LoginFailed(N_("The login at {provider} was cancelled or refused."), provider="Okta")
    assert str(problem) == "The login at Okta was cancelled or refused."  # the log's and tests' English
    request = Request({"type": "http", "headers": [(b"accept-language", header.encode())]})
    assert failure_words(request, problem) == words


@pytest.mark.anyio
async def test_the_sender_picks_the_new_holders_language(site: Site) -> None:
    from eventflow.domain.models import Buyer
    from eventflow.domain.reservations import LineRequest

    organizer = site.organizer()
    event, (deck,) = site.event(organizer, [{"name": "Deck", "price_minor": 0, "capacity": 10}])
    ticketing = site.services.ticketing
    held = ticketing.reserve(event.id, [LineRequest(deck.id, 1)], Buyer("ann@example.com", "Ann", "es"))
    ticket = ticketing.confirm(held.id, payment_ref="free").tickets[0]
    user = site.user
    user.http_client.headers["Accept-Language"] = "es"
    await user.open(f"/t/{ticket.id}?k={ticket.access_key}")
    choice = element(user, "transfer-language")
    assert choice.value == "es"  # the sender's language unless they know better
    choice.value = "de"
    by_testid(user, "transfer-name").type("Bo")
    by_testid(user, "transfer-email").type("bo@example.com")
    by_testid(user, "transfer-submit").click()
    await until(lambda: len(site.services.transfers.history(ticket.id)) == 1)
    (record,) = site.services.transfers.history(ticket.id)
    mail = site.store.get_outbox_message(f"transfer:{record.id}").mail
    assert mail.subject == f"Dein Ticket für {event.title}"
