"""The CSV export as organizers read it: money in major units per the currency's own decimals, times
in the event's timezone to the second, and whether each ticket was admitted at the door."""

from __future__ import annotations

import csv
import io

import pytest

from eventflow.domain.analytics import orders_csv
from eventflow.domain.models import CheckIn
from eventflow.domain.reservations import Ticketing
from tests.conftest import publish_event
from tests.domain.test_analytics import sell


@pytest.mark.parametrize(("currency", "price_minor", "price", "fee"), [
    ("SEK", 15000, "150.00", "{:.2f}"), ("JPY", 1500, "1500", "{:.0f}"), ("KWD", 1500, "1.500", "{:.3f}")])
def test_amounts_in_major_units_local_times_and_check_ins(
        service: Ticketing, clock, currency: str, price_minor: int, price: str, fee: str) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(price_minor,), currency=currency)
    clock.advance(microseconds=123456)  # the export gives seconds, not microseconds
    sell(service, event.id, tiers[0].id, 2, "ada")
    order = service.store.list_orders(event.id)[0]
    first, second = order.tickets
    service.store.admit(CheckIn(first.id, event.id, "door-1", clock.now(), "n1"))
    rows = list(csv.DictReader(io.StringIO(orders_csv(
        [order], service.store.get_tiers(event.id), event.timezone, service.store.list_checkins(event.id)))))
    assert [(r["price_minor"], r["price"], r["currency"]) for r in rows] == [(str(price_minor), price, currency)] * 2
    assert rows[0]["fee"] == fee.format(first.fee_minor / 10 ** len(price.partition(".")[2]))
    # 12:00:00.123456 UTC on 1 June is 14:00:00 in Berlin (summer time)
    assert {r["created_at"] for r in rows} == {"2026-06-01T14:00:00+02:00"}
    assert [(r["ticket_id"], r["checked_in"], r["checked_in_at"]) for r in rows] == [
        (first.id, "yes", "2026-06-01T14:00:00+02:00"), (second.id, "no", "")]
