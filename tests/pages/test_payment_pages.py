"""The payment pages with NiceGUI's simulated user, Stripe configured against the local Stripe: the
buyer's return page (a lost webhook, a late payment refunded), the demo page gone, the editor's
message about paid tiers, the payments page."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nicegui import app as nicegui_app
from nicegui.storage import Storage

from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.payments.records import PaymentState
from eventflow.domain.reservations import LineRequest
from tests.conftest import FAST_HASHER
from tests.pages.test_pages_user import Site, by_testid, log_in, open_not_found, path_now, simulated_user, until
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def stripe_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[Site, FakeStripe]]:
    monkeypatch.setenv("NICEGUI_USER_SIMULATION", "true")
    monkeypatch.setattr(Storage, "path", tmp_path / "nicegui")
    monkeypatch.setattr(nicegui_app, "storage", Storage())
    modules = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "eventflow"}
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with FakeStripe(clock=clock.now) as fake:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=tmp_path / "data", secret_key="pages-test", demo_data=False,
            reaper_interval_seconds=3600, stripe_secret_key="sk_test_pages", stripe_webhook_secret=fake.webhook_secret,
            stripe_api_base=fake.url, stripe_timeout_seconds=5,
        )
        services = build_services(settings, clock)
        services.ticketing.accounts = Accounts(services.ticketing.store, clock, FAST_HASHER)
        try:
            async with simulated_user(services) as user:
                yield Site(user, services, clock), fake
        finally:
            sys.modules.update(modules)
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def onboarded(site: Site, fake: FakeStripe):  # type: ignore[no-untyped-def]
    organizer = site.organizer()
    payments = site.services.payments
    assert payments is not None
    payments.start_onboarding(organizer)
    account = payments.account(organizer.id)
    fake.complete_onboarding(account.account_id)
    payments.refresh_account(organizer.id)
    return organizer


async def test_the_return_page_settles_a_payment_whose_webhook_was_lost(stripe_site) -> None:  # type: ignore[no-untyped-def]
    site, fake = stripe_site
    organizer = onboarded(site, fake)
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 20}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("b@x.org", "Bo"))
    url = site.services.checkout.start(reservation.id).payment_url  # type: ignore[union-attr]
    fake.drop_types.add("checkout.session.completed")
    fake.pay(url.rsplit("/", 1)[-1])
    await site.user.open(f"/pay/stripe/return/{reservation.id}")
    await until(lambda: path_now(site.user) == f"/r/{reservation.id}", timeout=5)
    await site.user.should_see("You're going to Lantern Market!")
    assert site.services.payments.store.get_payment(reservation.id).state is PaymentState.PAID  # type: ignore[union-attr]


async def test_the_return_page_tells_a_late_buyer_the_payment_was_refunded(stripe_site) -> None:  # type: ignore[no-untyped-def]
    site, fake = stripe_site
    organizer = onboarded(site, fake)
    ticketing = site.services.ticketing
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 1}])
    late = ticketing.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("late@x.org", "Lee"))
    late_url = site.services.checkout.start(late.id).payment_url  # type: ignore[union-attr]
    site.clock.advance(minutes=16)
    ticketing.release_expired_holds()
    ticketing.confirm(ticketing.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("o@x.org", "O")).id, "demo")
    fake.pay(late_url.rsplit("/", 1)[-1])  # the last ticket went to someone else meanwhile
    await site.user.open(f"/pay/stripe/return/{late.id}")
    await site.user.should_see("Sold out while you paid: refunded", retries=50)
    await site.user.should_see("We have refunded the full €18.75")
    assert len(fake.refunds) == 1


async def test_the_demo_payment_page_does_not_exist_with_stripe(stripe_site) -> None:  # type: ignore[no-untyped-def]
    site, fake = stripe_site
    organizer = onboarded(site, fake)
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 5}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("b@x.org", "Bo"))
    await open_not_found(site.user, f"/pay/demo/{reservation.id}")
    await site.user.should_see("This payment does not exist")
    assert site.services.ticketing.get_reservation(reservation.id).status.value == "held"


async def test_paid_tiers_wait_for_stripe_onboarding_with_a_clear_message(stripe_site) -> None:  # type: ignore[no-untyped-def]
    site, _ = stripe_site
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 5}], publish=False)
    await log_in(site, organizer)
    await site.user.open(f"/dashboard/events/{event.id}/edit")
    await site.user.should_see("Paid tiers can go on sale once Stripe has enabled charges on your account.")
    by_testid(site.user, "publish").click()
    await site.user.should_see("Paid tickets can go on sale once card payments are set up")
    await site.user.open("/dashboard/payments")
    await site.user.should_see("Set up payouts with Stripe")
    assert site.services.ticketing.store.get_event(event.id).status.value == "draft"


async def test_the_payments_page_shows_the_account_and_its_balance(stripe_site) -> None:  # type: ignore[no-untyped-def]
    site, fake = stripe_site
    organizer = onboarded(site, fake)
    account_id = site.services.payments.account(organizer.id).account_id  # type: ignore[union-attr]
    fake.balances[account_id]["available"]["eur"] = 12345
    fake.add_payout(account_id, 5000, "eur")
    await log_in(site, organizer)
    await site.user.open("/dashboard/payments")
    await site.user.should_see(f"Stripe account {account_id}: ready")
    await site.user.should_see("Available: €73.45", retries=50)
    await site.user.should_see("Payout €50.00 · paid")
