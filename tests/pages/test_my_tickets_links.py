""""My tickets" can be found (issue 17): the public header links it, the order page links it under the
tickets, and the tickets mail carries its address in the buyer's language (a bare address in the HTML: that
mail's only anchors are the tickets)."""

from __future__ import annotations

import re

import pytest

from eventflow.domain.attendee_mail import tickets_mail
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from tests.domain.test_mail_languages import sample
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend


@pytest.mark.anyio
async def test_the_header_and_the_order_page_link_my_tickets(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 50}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("ann@example.com", "Ann"))
    site.services.ticketing.confirm(reservation.id, "free")
    await site.user.open(f"/r/{reservation.id}")
    await site.user.should_see("Tickets of all your orders, in one place:")
    assert element(site.user, "order-my-tickets").props["href"] == "/my-tickets"
    assert element(site.user, "header-my-tickets").props["href"] == "/my-tickets"
    by_testid(site.user, "order-my-tickets").click()
    await site.user.should_see("Enter the email you bought or received tickets with")


@pytest.mark.parametrize(("language", "line"), [
    ("en", "All your tickets, from every order: https://t.example/my-tickets"),
    ("de", "Alle deine Tickets aus allen Bestellungen: https://t.example/my-tickets"),
    ("es", "Todas tus entradas, de todos tus pedidos: https://t.example/my-tickets"),
])
def test_the_tickets_mail_names_my_tickets_in_the_buyers_language(language: str, line: str) -> None:
    order, event = sample(language)
    mail = tickets_mail(order, event, "https://t.example/")
    assert line in mail.text and line in (mail.html or "")
    assert re.findall(r'href="([^"]+)"', mail.html or "") == [
        f"https://t.example/t/tkt_{n}?k=key-{n}" for n in (1, 2)]  # still only the tickets are anchors
