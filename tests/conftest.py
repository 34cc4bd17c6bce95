"""Shared fixtures: a manual clock, a service layer on a fresh store, sample events.

`store` is an in-memory store (tests/fakes/memory_store.py: no disk, checked against the store
contract suite); tests/store/conftest.py overrides it with SQLite and DynamoDB for the contract
tests, and `service` follows whichever `store` a test gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Event, Tier
from eventflow.domain.ports import Store
from eventflow.domain.reservations import Ticketing
from tests.fair_off import opt_out
from tests.fakes.memory_store import InMemoryStore

opt_out()  # the limits against bots are the product's default; test servers and Settings() run without them

# argon2 at its production cost makes every signup ~50 ms; tests only need it correct.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
BUYER = Buyer(email="ada@example.com", name="Ada Lovelace")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


def make_service(store: Store, clock: ManualClock) -> Ticketing:
    return Ticketing(store, clock, secret_key="test-secret", password_hasher=FAST_HASHER)


@pytest.fixture
def store() -> Store:
    return InMemoryStore()


@pytest.fixture
def service(store: Store, clock: ManualClock) -> Ticketing:
    return make_service(store, clock)


PublishedEvent = Callable[..., tuple[Event, list[Tier]]]


def publish_event(
    service: Ticketing,
    capacities: tuple[int, ...] = (100, 50, 10),
    prices: tuple[int, ...] = (2500, 0, 9900),
    currency: str = "EUR",
    fee_mode: str = "buyer_pays",
    organizer_email: str | None = None,
) -> tuple[Event, list[Tier]]:
    import secrets

    organizer = service.sign_up(
        organizer_email or f"org-{secrets.token_hex(4)}@example.com", "correct horse", "Org"
    )
    starts = service.clock.now() + timedelta(days=30)
    event = service.catalog.create_event(
        organizer.id,
        title="Night Market",
        starts_at=starts,
        ends_at=starts + timedelta(hours=5),
        timezone="Europe/Berlin",
        venue="Hall 1",
        currency=currency,
        fee_mode=fee_mode,
    )
    tiers = [
        service.catalog.add_tier(organizer.id, event.id, name=f"Tier {i}", price_minor=price, capacity=cap)
        for i, (cap, price) in enumerate(zip(capacities, prices, strict=True))
    ]
    return service.catalog.publish(organizer.id, event.id), tiers


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One real EventFlow server (SQLite in a temp dir) shared by the HTTP and browser tests."""
    from tests.server import running_app

    with running_app(tmp_path_factory.mktemp("app")) as url:
        yield url
