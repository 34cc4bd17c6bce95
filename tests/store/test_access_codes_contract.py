"""Access codes on every store (SQLite, DynamoDB via moto; the fake re-runs it in tests/fakes): the
code's uses are taken in the reserve's atomic write, given back exactly once by cancel, expiry and the
reaper's batch, kept and counted by confirmation; settings edits are versioned."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from eventflow.domain.access_codes import AccessCode, AccessCodes, CodeSettings, CodeTaken, CodeUsedUp, UsesCount
from eventflow.domain.errors import SoldOut, StaleCatalog
from eventflow.domain.models import ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def _codes(service) -> AccessCodes:  # type: ignore[no-untyped-def]
    return AccessCodes(service.store, service.clock, service.catalog)


def _code(service, event, **settings) -> AccessCode:  # type: ignore[no-untyped-def]
    return _codes(service).create(event.organizer_id, event.id, CodeSettings(**settings))


def test_codes_round_trip_in_order_and_texts_are_unique(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    first = _code(service, event, code="vip-2026", unlocks_tiers=None, max_uses=20, label="VIPs")
    clock.advance(seconds=1)
    second = _code(service, event, discount_percent=15, discount_tiers=(tiers[0].id,),
                   uses_count="orders", max_per_order=4, valid_from=clock.now(),
                   valid_until=clock.now() + timedelta(days=3))
    assert first.code == "VIP-2026" and first.unlocks_tiers is None and first.uses == 0 and first.version == 1
    assert store.get_access_code(event.id, second.id) == second
    assert store.find_access_code(event.id, "VIP-2026") == first
    assert store.find_access_code(event.id, "NOPE") is None
    assert store.get_access_code("evt_other", first.id) is None
    assert store.list_access_codes(event.id) == [first, second]
    assert second.uses_count is UsesCount.ORDERS and second.discount_tiers == (tiers[0].id,)
    with pytest.raises(CodeTaken):
        _code(service, event, code="VIP-2026", unlocks_tiers=None)
    other, _ = publish_event(service)
    assert _code(service, other, code="vip-2026", unlocks_tiers=None).code == "VIP-2026"  # per event


def test_settings_edits_are_versioned_and_never_touch_counters(service, store: Store) -> None:
    event, tiers = publish_event(service)
    code = _code(service, event, discount_minor=500, max_uses=5)
    service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code=code.code)
    saved = store.update_access_code(replace(code, discount_minor=700, paused=True, uses=99))
    assert (saved.version, saved.discount_minor, saved.paused, saved.uses) == (2, 700, True, 2)
    with pytest.raises(StaleCatalog):
        store.update_access_code(replace(code, discount_minor=800))  # an old version
    with pytest.raises(CodeUsedUp):
        store.update_access_code(replace(saved, max_uses=1))  # below the 2 uses taken
    assert store.get_access_code(event.id, code.id) == saved


def test_delete_removes_an_unused_code_and_keeps_a_used_one_marked(service, store: Store) -> None:
    event, tiers = publish_event(service)
    unused = _code(service, event, discount_percent=10)
    used = _code(service, event, discount_percent=20)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code=used.code)
    assert store.delete_access_code(event.id, unused.id) and store.delete_access_code(event.id, used.id)
    assert store.get_access_code(event.id, unused.id) is None
    assert store.find_access_code(event.id, used.code).deleted  # type: ignore[union-attr]
    assert store.list_access_codes(event.id) == []
    assert not store.delete_access_code(event.id, used.id)
    service.cancel(held.id)  # its held use still goes back
    assert store.get_access_code(event.id, used.id).uses == 0  # type: ignore[union-attr]


def test_a_hold_takes_uses_and_cancel_gives_them_back_once(service, store: Store) -> None:
    event, tiers = publish_event(service)
    code = _code(service, event, discount_percent=10, max_uses=3)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code=code.code)
    assert held.code is not None and held.code.uses == 2
    assert store.get_reservation(held.id) == held
    assert store.get_access_code(event.id, code.id).uses == 2  # type: ignore[union-attr]
    with pytest.raises(CodeUsedUp):
        service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code=code.code)
    assert store.get_tiers(event.id)[0].held == 2  # the refused hold took no tickets either
    service.cancel(held.id)
    service.cancel(held.id)
    assert store.get_access_code(event.id, code.id).uses == 0  # type: ignore[union-attr]


def test_store_refuses_uses_past_the_limit_and_an_edited_code(service, store: Store) -> None:
    event, tiers = publish_event(service)
    code = _code(service, event, discount_percent=10, max_uses=2)
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code=code.code)
    racing = replace(first, id="res_racing", code=replace(first.code, code_id=code.id))  # priced before `first`
    with pytest.raises(CodeUsedUp):
        store.reserve(racing)
    store.update_access_code(replace(code, discount_percent=50))
    with pytest.raises(StaleCatalog):
        store.reserve(replace(first, id="res_stale", code=replace(first.code, uses=0)))  # type: ignore[arg-type]
    assert store.get_tiers(event.id)[0].held == 2
    assert store.get_reservation("res_racing") is None


def test_expiry_and_the_reaper_free_uses_exactly_once(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    code = _code(service, event, discount_percent=10, max_uses=10)
    single = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code=code.code)
    batch = [service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code=code.code) for _ in range(3)]
    assert store.get_access_code(event.id, code.id).uses == 7  # type: ignore[union-attr]
    clock.advance(minutes=16)
    assert service.expire(single.id) and not service.expire(single.id)
    assert store.get_access_code(event.id, code.id).uses == 6  # type: ignore[union-attr]
    assert {r.id for r in store.release_expired(clock.now(), limit=10)} == {r.id for r in batch}
    assert store.release_expired(clock.now(), limit=10) == []
    assert store.get_access_code(event.id, code.id).uses == 0  # type: ignore[union-attr]


def test_confirmation_keeps_uses_and_counts_the_sale(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)  # EUR, buyer pays; tier 0 at 25.00
    code = _code(service, event, discount_percent=20, max_uses=4, uses_count="orders")
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 3)], BUYER, code=code.code)
    line = held.lines[0]
    assert (line.unit_price_minor, line.unit_discount_minor) == (2000, 500)
    service.confirm(held.id, payment_ref="pay")
    clock.advance(minutes=30)
    assert store.release_expired(clock.now()) == []
    stored = store.get_access_code(event.id, code.id)
    assert stored is not None
    assert (stored.uses, stored.confirmed_uses, stored.tickets_sold) == (1, 1, 3)
    assert (stored.revenue_minor, stored.discount_given_minor) == (6000, 1500)


def test_a_late_payment_takes_its_uses_again_only_within_the_limit(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    code = _code(service, event, discount_percent=20, max_uses=1, uses_count="orders")
    late = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code=code.code)
    clock.advance(minutes=16)
    service.release_expired_holds()
    service.confirm(late.id, payment_ref="late")  # the use was free again: honoured
    assert store.get_access_code(event.id, code.id).uses == 1  # type: ignore[union-attr]
    clock.advance(minutes=1)
    store.update_access_code(replace(store.get_access_code(event.id, code.id), max_uses=2))  # type: ignore[arg-type]
    other = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code=code.code)
    clock.advance(minutes=16)
    service.release_expired_holds()
    squatter = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code=code.code)
    with pytest.raises(SoldOut):
        service.confirm(other.id, payment_ref="too-late")  # the last use went to another buyer meanwhile
    assert store.get_access_code(event.id, code.id).uses == 2  # type: ignore[union-attr]
    assert store.get_reservation(other.id).status is ReservationStatus.EXPIRED  # type: ignore[union-attr]
    assert squatter.code is not None
