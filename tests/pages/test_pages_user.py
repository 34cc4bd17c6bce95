"""The pages' logic with NiceGUI's simulated user: no browser, no server process, a manual clock.

Each test gets the real app (`build_services` + `install`, what `main.py` wires) on a fresh SQLite
data dir, driven through NiceGUI's `User` (nicegui.testing) over an in-process ASGI client.

NiceGUI's pytest plugin (`user` fixture) is not registered, for three reasons: it can only build
the app by running `main.py`, whose `run()` takes no clock, so expiry could not be tested with a
ManualClock; it must be listed in the root conftest and then configures every test of the session
(storage folder, `main_file` ini option); and after each test it drops the modules of the page
functions from `sys.modules`. The `site` fixture below does what the plugin's `user_simulation`
does (reset NiceGUI's globals, run the app's lifespan, connect a `User`) with `install(services)`
in between, keeps NiceGUI's storage in the test's tmp dir, and puts the eventflow modules back.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from nicegui import app as nicegui_app
from nicegui import core, ui
from nicegui.functions.download import download
from nicegui.functions.navigate import Navigate
from nicegui.functions.notify import notify
from nicegui.storage import Storage
from nicegui.testing import User, UserInteraction
from nicegui.testing.general import nicegui_reset_globals

from eventflow.app.wiring import build_services, install
from eventflow.config import Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Event, Order, Organizer, ReservationStatus, Tier
from eventflow.domain.reservations import LineRequest
from eventflow.services import Services
from tests.conftest import FAST_HASHER

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Site:
    user: User
    services: Services
    clock: ManualClock

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.services.ticketing.store

    def organizer(self, name: str = "Orla Organizer") -> Organizer:
        email = f"{name.split()[0].lower()}@example.com"
        return self.services.accounts.sign_up(email, PASSWORD, name)

    def event(
        self, organizer: Organizer, tiers: list[dict[str, Any]], publish: bool = True
    ) -> tuple[Event, list[Tier]]:
        ticketing = self.services.ticketing
        starts = self.clock.now() + timedelta(days=20)
        event = ticketing.catalog.create_event(organizer.id, title="Lantern Market", starts_at=starts,
                                       ends_at=starts + timedelta(hours=6), timezone="Europe/Berlin",
                                       venue="Old Harbour", currency="EUR")
        made = [ticketing.catalog.add_tier(organizer.id, event.id, **tier) for tier in tiers]
        if publish:
            event = ticketing.catalog.publish(organizer.id, event.id)
        return event, made

    def sell(self, event: Event, tier: Tier, name: str, payment_ref: str = "demo") -> Order:
        """One ticket bought by `name` (paid with the demo provider unless `payment_ref` says "free");
        then a second passes, so the dashboard's lists put it first."""
        ticketing = self.services.ticketing
        email = f"{name.lower().replace(' ', '.')}@example.com"
        held = ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer(email, name))
        order = ticketing.confirm(held.id, payment_ref=f"demo_{held.id}" if payment_ref == "demo" else payment_ref)
        self.clock.advance(seconds=1)
        return order

    def tier(self, tier_id: str, event_id: str) -> Tier:
        return next(t for t in self.store.get_tiers(event_id) if t.id == tier_id)


@asynccontextmanager
async def simulated_user(services: Services) -> AsyncIterator[User]:
    """nicegui.testing.user_simulation, with EventFlow's pages installed from `services`."""
    with nicegui_reset_globals():
        try:
            install(services)
            ui.run(storage_secret="pages-test-secret", title="EventFlow", reconnect_timeout=10)
            async with core.app.router.lifespan_context(core.app), httpx.AsyncClient(
                transport=httpx.ASGITransport(core.app), base_url="http://test"
            ) as client:
                yield User(client)
        finally:
            ui.navigate = Navigate()
            ui.notify = notify
            ui.download = download


@pytest.fixture
async def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Site]:
    monkeypatch.setenv("NICEGUI_USER_SIMULATION", "true")
    # NiceGUI keeps user storage under ./.nicegui and wipes it on reset: use a folder of this test.
    monkeypatch.setattr(Storage, "path", tmp_path / "nicegui")
    monkeypatch.setattr(nicegui_app, "storage", Storage())
    # The reset drops the page modules from sys.modules (for apps built at import): keep ours.
    modules = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "eventflow"}

    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    (tmp_path / "data").mkdir()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", secret_key="pages-test", demo_data=False,
                        reaper_interval_seconds=3600)  # type: ignore[call-arg]
    services = build_services(settings, clock)
    services.ticketing.accounts = Accounts(services.ticketing.store, clock, FAST_HASHER)
    try:
        async with simulated_user(services) as user:
            yield Site(user, services, clock)
    finally:
        sys.modules.update(modules)
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


# ------------------------------------------------------------------ helpers
def by_testid(user: User, value: str) -> UserInteraction:
    """The element(s) a page marks with `data-testid=value` (the same ids the browser tests use)."""
    found = {e for e in user.current_layout.descendants() if e.props.get("data-testid") == value}
    if not found:
        raise AssertionError(f"no element with data-testid={value} on the page:\n{user.current_layout}")
    return UserInteraction(user, found, None)


def element(user: User, value: str) -> Any:
    (found,) = by_testid(user, value).elements
    return found


async def until(condition: Callable[[], Any], timeout: float = 3.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            result = condition()
        except (AssertionError, ValueError, KeyError):
            result = None
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {condition}")
        await asyncio.sleep(0.02)


async def open_not_found(user: User, path: str) -> None:
    """`user.open` for a page that answers 404: NiceGUI's `User.open` insists on 200, so the 404 is
    checked here and the page is then opened as usual (to look at what it says)."""
    real_get = user.http_client.get

    async def get(url: str, **kwargs: Any) -> httpx.Response:
        response = await real_get(url, **kwargs)
        assert response.status_code == 404, f"{url} answered {response.status_code}, not 404"
        response.status_code = 200
        return response

    user.http_client.get = get  # type: ignore[method-assign]
    try:
        await user.open(path)
    finally:
        user.http_client.get = real_get  # type: ignore[method-assign]


def path_now(user: User) -> str:
    return user.back_history[-1] if user.back_history else ""


async def log_in(site: Site, organizer: Organizer) -> None:
    user = site.user
    await user.open("/login")
    by_testid(user, "login-email").type(organizer.email)
    by_testid(user, "login-password").type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: path_now(user) == "/dashboard")
    await user.should_see(f"Hello, {organizer.name}")


def error_message(user: User, value: str) -> str | None:
    """The message Quasar shows under a field (`error error-message=...` props), if any."""
    field = element(user, value)
    return field.props.get("error-message") if field.props.get("error") else None


# ------------------------------------------------------------------ login
async def test_a_wrong_password_says_so_and_stays_on_the_login_page(site: Site) -> None:
    organizer = site.organizer()
    user = site.user
    await user.open("/login")
    by_testid(user, "login-email").type(organizer.email)
    by_testid(user, "login-password").type("not my password")
    by_testid(user, "login-submit").click()
    await until(lambda: element(user, "login-error").text == "Wrong email or password")
    assert path_now(user) == "/login"
    unknown = "nobody@example.com"
    by_testid(user, "login-email").clear().type(unknown)
    by_testid(user, "login-submit").click()
    await until(lambda: element(user, "login-error").text == "Wrong email or password")  # no hint who exists
    by_testid(user, "login-email").clear().type(organizer.email)
    by_testid(user, "login-password").clear().type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: path_now(user) == "/dashboard")
    await user.should_see(f"Hello, {organizer.name}")


async def test_with_two_factor_on_the_code_field_appears_and_is_required(site: Site) -> None:
    organizer = site.organizer()
    secret = Accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    site.services.accounts.enable_totp(organizer.id, secret, totp.at(site.clock.now()))
    user = site.user
    await user.open("/login?next=/account")
    code = element(user, "login-code")
    assert not code.visible
    by_testid(user, "login-email").type(organizer.email)
    by_testid(user, "login-password").type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: code.visible)
    assert element(user, "login-error").text == ""  # asked for the code, not told off
    assert path_now(user).startswith("/login")

    by_testid(user, "login-code").type("000000" if totp.at(site.clock.now()) != "000000" else "111111")
    by_testid(user, "login-submit").click()
    await until(lambda: "code is not right" in element(user, "login-error").text)
    assert path_now(user).startswith("/login")

    by_testid(user, "login-code").clear().type(totp.at(site.clock.now()))
    by_testid(user, "login-submit").click()
    await until(lambda: path_now(user) == "/account")
    await user.should_see("Two-factor login")


# ------------------------------------------------------------------ event and tier editor
async def test_an_empty_title_is_reported_next_to_the_title_field(site: Site) -> None:
    organizer = site.organizer()
    await log_in(site, organizer)
    user = site.user
    await user.open("/dashboard/events/new")
    by_testid(user, "create-event").click()
    await until(lambda: error_message(user, "event-title") == "Give the event a title")
    assert element(user, "form-error").text == ""  # next to the field, not in the banner
    assert site.store.list_events(organizer.id) == []
    assert path_now(user) == "/dashboard/events/new"

    by_testid(user, "event-title").type("Lantern Market")
    by_testid(user, "create-event").click()
    await until(lambda: path_now(user).endswith("/edit"))
    (event,) = site.store.list_events(organizer.id)
    assert event.title == "Lantern Market" and path_now(user) == f"/dashboard/events/{event.id}/edit"


async def test_capacity_below_what_is_sold_is_reported_next_to_capacity(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Stall pass", "price_minor": 0, "capacity": 10}])
    site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 3)], Buyer("a@example.com", "A"))
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("0 sold · 3 held · 7 left")
    by_testid(user, f"tier-capacity-{tier.id}").clear().type("2")
    by_testid(user, f"save-tier-{tier.id}").click()
    await until(lambda: error_message(user, f"tier-capacity-{tier.id}"))
    message = error_message(user, f"tier-capacity-{tier.id}")
    assert "capacity cannot go below 3" in message, message
    assert element(user, f"tier-error-{tier.id}").text == ""
    assert site.tier(tier.id, event.id).capacity == 10

    by_testid(user, f"tier-capacity-{tier.id}").clear().type("3")  # down to held + sold is fine
    by_testid(user, f"save-tier-{tier.id}").click()
    await until(lambda: site.tier(tier.id, event.id).capacity == 3)



# ------------------------------------------------------------------ event dashboard
async def test_the_dashboard_updates_in_place_and_keeps_the_organizers_attendee_page(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Free entry", "price_minor": 0, "capacity": 100}])
    ticketing = site.services.ticketing
    for n in range(25):
        site.sell(event, tier, f"Guest {n:02}", payment_ref="free")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    sold, attendees = element(user, "total-sold"), element(user, "attendees")
    assert sold.text == "25" and len(attendees.rows) == 25
    attendees.pagination = {**attendees.pagination, "page": 2}  # the organizer pages on (Quasar reports it)

    site.sell(event, tier, "Late Lou", payment_ref="free")  # a sale elsewhere
    await until(lambda: element(user, "total-sold").text == "26")
    assert element(user, "total-sold") is sold  # the same label, updated; nothing rebuilt under the reader
    assert element(user, "attendees") is attendees and attendees.pagination["page"] == 2
    assert [row["name"] for row in attendees.rows[:2]] == ["Late Lou", "Guest 24"]

    # A hold moves the "held" figure only: the attendee rows (and the chart) are not redone.
    rows = attendees.rows
    ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("h@example.com", "Holder"))
    await until(lambda: element(user, "total-held").text == "2")
    assert attendees.rows is rows

# ------------------------------------------------------------------ public event page
async def test_the_plus_button_stops_at_max_per_order_and_at_what_is_left(site: Site) -> None:
    organizer = site.organizer()
    event, (limited, scarce) = site.event(organizer, [
        {"name": "Two per order", "price_minor": 1500, "capacity": 100, "max_per_order": 2},
        {"name": "Last few", "price_minor": 900, "capacity": 3, "max_per_order": 10},
    ])
    user = site.user
    await user.open(f"/e/{event.slug}")
    for tier, limit in ((limited, 2), (scarce, 3)):
        plus, minus = element(user, f"plus-{tier.id}"), element(user, f"minus-{tier.id}")
        assert plus.enabled and not minus.enabled
        for _ in range(limit):
            by_testid(user, f"plus-{tier.id}").click()
        assert element(user, f"qty-{tier.id}").text == str(limit)
        assert not plus.enabled and minus.enabled
        by_testid(user, f"plus-{tier.id}").click()  # a disabled button does nothing
        assert element(user, f"qty-{tier.id}").text == str(limit)
    await user.should_see("Total")

    # Someone else holds two of the last three: this page hears it and lowers the choice to one.
    site.services.ticketing.reserve(event.id, [LineRequest(scarce.id, 2)], Buyer("b@example.com", "B"))
    await until(lambda: element(user, f"qty-{scarce.id}").text == "1")
    assert not element(user, f"plus-{scarce.id}").enabled
    await until(lambda: element(user, f"available-{scarce.id}").text == "Only 1 left")


async def test_reserving_more_than_is_left_says_not_enough_left(site: Site) -> None:
    organizer = site.organizer()
    event, (scarce,) = site.event(organizer, [{"name": "Front row", "price_minor": 2000, "capacity": 3}])
    user = site.user
    await user.open(f"/e/{event.slug}")
    by_testid(user, f"plus-{scarce.id}").click()
    by_testid(user, f"plus-{scarce.id}").click()
    by_testid(user, "buyer-name").type("Nell Late")
    by_testid(user, "buyer-email").type("nell@example.com")
    # Another buyer takes two before this page hears of it (live updates paused for the race).
    await site.services.hub.stop()
    site.services.ticketing.reserve(event.id, [LineRequest(scarce.id, 2)], Buyer("q@example.com", "Quick"))
    by_testid(user, "reserve").click()
    await until(lambda: element(user, "purchase-error").visible)
    assert element(user, "purchase-error").text == "Not enough Front row left. Please choose fewer."
    assert element(user, "reserve").enabled and path_now(user) == f"/e/{event.slug}"
    assert site.tier(scarce.id, event.id).held == 2

    by_testid(user, f"minus-{scarce.id}").click()  # one is still there
    by_testid(user, "reserve").click()
    await until(lambda: path_now(user).startswith("/checkout/"))
    assert site.tier(scarce.id, event.id).held == 3


async def test_a_double_submit_makes_one_reservation_per_page_view(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 1000, "capacity": 50}])
    user = site.user

    async def choose_and_reserve(clicks: int) -> str:
        await user.open(f"/e/{event.slug}")
        by_testid(user, f"plus-{tier.id}").click()
        by_testid(user, "buyer-name").type("Dora Double")
        by_testid(user, "buyer-email").type("dora@example.com")
        start = path_now(user)
        button = by_testid(user, "reserve")
        for _ in range(clicks):  # before the first click's handler has run: the button is still enabled
            button.click()
        await until(lambda: path_now(user) != start and path_now(user).startswith("/checkout/"))
        await asyncio.sleep(0.2)  # let every click's handler finish
        return path_now(user).removeprefix("/checkout/")

    first = await choose_and_reserve(clicks=3)
    assert site.tier(tier.id, event.id).held == 1
    assert site.store.get_reservation(first).status is ReservationStatus.HELD
    second = await choose_and_reserve(clicks=1)  # a new page view is a new purchase
    assert second != first and site.tier(tier.id, event.id).held == 2


# ------------------------------------------------------------------ checkout
async def test_the_checkout_of_an_expired_hold_says_the_hold_ran_out(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 1000, "capacity": 50}])
    ticketing = site.services.ticketing
    reservation = ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("h@example.com", "Hal"))
    site.clock.advance(minutes=15, seconds=1)
    user = site.user
    await user.open(f"/checkout/{reservation.id}")
    await user.should_see("Your hold ran out")
    assert not [e for e in user.current_layout.descendants() if e.props.get("data-testid") == "pay"]
    assert site.store.get_reservation(reservation.id).status is ReservationStatus.EXPIRED
    assert site.tier(tier.id, event.id).held == 0  # back on sale at once


async def test_an_open_checkout_turns_into_hold_ran_out_when_time_is_up(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 1000, "capacity": 50}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("i@example.com", "Ida"))
    user = site.user
    await user.open(f"/checkout/{reservation.id}")
    assert element(user, "countdown").text == "Tickets held for you for 15:00"
    assert element(user, "pay").enabled
    site.clock.advance(minutes=14, seconds=30)
    await until(lambda: element(user, "countdown").text == "Tickets held for you for 0:30")
    site.clock.advance(seconds=31)
    await until(lambda: any(e.props.get("data-testid") == "hold-expired" and e.visible
                            for e in user.current_layout.descendants()))
    await user.should_see("Your hold ran out")
    assert site.tier(tier.id, event.id).held == 0


# ------------------------------------------------------------------ answers for pages that are not there
async def test_another_organizers_event_is_not_found_on_the_dashboard(site: Site) -> None:
    owner, other = site.organizer("Olga Owner"), site.organizer("Otto Other")
    event, _ = site.event(owner, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    await log_in(site, other)
    for path in (f"/dashboard/events/{event.id}", f"/dashboard/events/{event.id}/edit", "/dashboard/events/nope"):
        await open_not_found(site.user, path)
        await site.user.should_see("This event does not exist")
