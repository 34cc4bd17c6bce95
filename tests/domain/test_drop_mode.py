"""Drop mode (issue 13): while a tier sells fast, new holds on it are short; otherwise as before."""

from __future__ import annotations

from datetime import timedelta

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import FAST_HASHER, publish_event


def test_holds_shorten_while_a_tier_sells_fast(store: Store, clock: ManualClock) -> None:
    service = Ticketing(store, clock, secret_key="drop", password_hasher=FAST_HASHER,
                        drop_hold=timedelta(minutes=5))
    event, tiers = publish_event(service, capacities=(8, 100), prices=(1000, 1000))
    fast, calm = tiers

    def hold(tier_id: str, who: str) -> timedelta:
        # a new instance each time: it reads the counts afresh (an app's instance within a second)
        fresh = Ticketing(store, clock, secret_key="drop", drop_hold=timedelta(minutes=5))
        reservation = fresh.reserve(event.id, [LineRequest(tier_id, 2)], Buyer(email=f"{who}@example.com", name=who))
        return reservation.expires_at - reservation.created_at

    assert hold(fast.id, "a") == timedelta(minutes=15)  # nothing held yet: a normal hold
    assert hold(fast.id, "b") == timedelta(minutes=5)  # a quarter of the tier in checkouts: drop mode
    assert hold(calm.id, "c") == timedelta(minutes=15)  # the other tier is not selling fast
