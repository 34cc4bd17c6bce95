"""The checkout page shows the processor's fee as its own line when the operator passes it on, with
the same amount Stripe's Checkout gets as a line item, and the Pay button says the whole total."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.processing_fees import PROCESSING_LINE, ProcessingFees
from eventflow.domain.reservations import LineRequest
from eventflow.pages.components.formatting import money
from tests.pages.test_pages_user import by_testid
from tests.pages.test_payment_pages import anyio_backend, onboarded, stripe_site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.anyio


def text(site, testid: str) -> str:  # type: ignore[no-untyped-def]
    [element] = by_testid(site.user, testid).elements
    return str(element.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", [ProcessingFees.PASS_ON, ProcessingFees.ABSORB])
async def test_checkout_shows_payment_processing_when_passed_on(stripe_site, mode) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    site, fake = stripe_site
    payments = site.services.payments
    payments.config = replace(payments.config, processing=mode)
    organizer = onboarded(site, fake)
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 20}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("b@x.org", "Bo"))
    split = payments.charge_split(reservation)
    await site.user.open(f"/checkout/{reservation.id}")
    await site.user.should_see("Total")
    if mode is ProcessingFees.PASS_ON:
        await site.user.should_see(PROCESSING_LINE)
        assert text(site, "processing") == money(split.processing_minor, "EUR")
    else:
        await site.user.should_not_see(PROCESSING_LINE)
    total = money(split.buyer_total_minor, "EUR")
    assert text(site, "total") == total
    await site.user.should_see(f"Pay {total}")
    url = site.services.checkout.start(reservation.id).payment_url  # type: ignore[union-attr]
    items = fake.sessions[url.rsplit("/", 1)[-1]]["_line_items"]
    shown = {i["price_data"]["product_data"]["name"]: int(i["price_data"]["unit_amount"]) for i in items}
    assert shown.get(PROCESSING_LINE, 0) == split.buyer_processing_minor
    fake.pay(url.rsplit("/", 1)[-1])
    for event_ in fake.take():
        payload = fake.payload(event_)
        payments.handle_webhook(payload, fake.sign(payload))
    await site.user.open(f"/r/{reservation.id}")
    order = site.services.queries.order_of(site.services.queries.reservation(reservation.id))
    await site.user.should_see(f"Order {order.id} · {total}")
    if mode is ProcessingFees.PASS_ON:
        await site.user.should_see(f"incl. Payment processing {money(split.processing_minor, 'EUR')}")
    else:
        await site.user.should_not_see(PROCESSING_LINE)


@pytest.mark.parametrize("mode", [ProcessingFees.PASS_ON, ProcessingFees.ABSORB])
async def test_the_event_page_shows_the_all_in_price_before_reserving(stripe_site, mode) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    site, fake = stripe_site
    payments = site.services.payments
    payments.config = replace(payments.config, processing=mode)
    organizer = onboarded(site, fake)
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 20}])
    await site.user.open(f"/e/{event.slug}")
    by_testid(site.user, f"plus-{tiers[0].id}").click()
    by_testid(site.user, f"plus-{tiers[0].id}").click()
    await site.user.should_see("Total")
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("b@x.org", "Bo"))
    split = payments.charge_split(reservation)  # what the checkout will ask for: the same total
    assert text(site, "total") == money(split.buyer_total_minor, "EUR")
    if mode is ProcessingFees.PASS_ON:
        assert text(site, "processing") == money(split.processing_minor, "EUR")
    else:
        await site.user.should_not_see(PROCESSING_LINE)
