"""Zero overselling under real load: 4 OS processes x 8 threads share one SQLite file."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eventflow.domain.clock import SystemClock
from eventflow.domain.errors import SoldOut
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.sqlite.store import SqliteStore

PROCESSES = 4
THREADS = 8
ATTEMPTS_PER_THREAD = 70  # 4 * 8 * 70 = 2,240 reserve attempts
CAPACITY = 500


def _buyer_thread(db_path: str, event_id: str, tier_id: str, seed: int) -> list[tuple[str, str, int]]:
    """Fire reserve attempts; now and then pay for or cancel a successful one."""
    service = Ticketing(SqliteStore(db_path), SystemClock(), secret_key="load")
    rng = random.Random(seed)
    outcomes: list[tuple[str, str, int]] = []
    for _ in range(ATTEMPTS_PER_THREAD):
        quantity = rng.randint(1, 4)
        try:
            reservation = service.reserve(
                event_id, [LineRequest(tier_id, quantity)], Buyer("load@example.com", "Load")
            )
        except SoldOut:
            outcomes.append(("sold_out", "", quantity))
            continue
        roll = rng.random()
        if roll < 0.3:
            service.confirm(reservation.id, payment_ref="load")
            outcomes.append(("confirmed", reservation.id, quantity))
        elif roll < 0.45:
            service.cancel(reservation.id)
            outcomes.append(("cancelled", reservation.id, quantity))
        else:
            outcomes.append(("held", reservation.id, quantity))
    return outcomes


def _buyer_process(db_path: str, event_id: str, tier_id: str, seed: int) -> list[tuple[str, str, int]]:
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(_buyer_thread, db_path, event_id, tier_id, seed * 100 + n) for n in range(THREADS)
        ]
        return [outcome for future in futures for outcome in future.result()]


@pytest.mark.slow
def test_processes_and_threads_never_oversell(tmp_path: Path) -> None:
    db_path = tmp_path / "load.db"
    service = Ticketing(SqliteStore(db_path), SystemClock(), secret_key="load")
    organizer = service.sign_up("load-org@example.com", "long enough", "Org")
    start = datetime.now(UTC) + timedelta(days=7)
    event = service.catalog.create_event(organizer.id, title="Rush", starts_at=start,
                                 ends_at=start + timedelta(hours=3), timezone="UTC", currency="USD")
    tier = service.catalog.add_tier(organizer.id, event.id, name="GA", price_minor=1000, capacity=CAPACITY)
    service.catalog.publish(organizer.id, event.id)

    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            _buyer_process, [(str(db_path), event.id, tier.id, seed) for seed in range(PROCESSES)]
        )
    outcomes = [outcome for result in results for outcome in result]

    assert len(outcomes) == PROCESSES * THREADS * ATTEMPTS_PER_THREAD >= 2000
    held = sum(q for kind, _, q in outcomes if kind == "held")
    sold = sum(q for kind, _, q in outcomes if kind == "confirmed")
    assert sum(1 for kind, _, _ in outcomes if kind == "sold_out") > 0, "the tier never sold out"

    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT capacity, held, sold FROM tiers WHERE id = ?", (tier.id,)).fetchone()
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM reservations GROUP BY status").fetchall())
    assert row == (CAPACITY, held, sold)
    assert held + sold <= CAPACITY
    assert held + sold >= CAPACITY - 3, "a sold-out tier should be (almost) full"
    assert statuses.get("held", 0) == sum(1 for kind, _, _ in outcomes if kind == "held")
    assert statuses.get("confirmed", 0) == sum(1 for kind, _, _ in outcomes if kind == "confirmed")
