"""The reconciliation pass as a command, and several instances running it at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from eventflow.domain.clock import ManualClock
from eventflow.domain.payments.reconciliation import LEASE_NAME, Reconciler
from eventflow.domain.payments.records import PaymentState
from tests.payments.conftest import SECRET_KEY, Shop, assert_ledger, make_shop
from tests.stripe_fake import FakeStripe

ROOT = Path(__file__).resolve().parents[2]


def run_command(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("EVENTFLOW_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "eventflow.app.reconcile"], cwd=data_dir, capture_output=True, text=True, timeout=60,
        env={**inherited, "PYTHONPATH": str(ROOT), "EVENTFLOW_DATA_DIR": str(data_dir), **env},
    )


def test_the_reconcile_command_settles_a_lost_webhook(tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> None:
    shop = make_shop(tmp_path, clock, fake)
    shop.onboard()
    fake.drop_types.add("checkout.session.completed")
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    fake.pay(session_id)

    result = run_command(tmp_path, EVENTFLOW_STRIPE_SECRET_KEY=SECRET_KEY,
                         EVENTFLOW_STRIPE_WEBHOOK_SECRET=fake.webhook_secret, EVENTFLOW_STRIPE_API_BASE=fake.url,
                         EVENTFLOW_PROCESSOR_PRICES="*=0%")
    assert result.returncode == 0, result.stderr
    assert "reconciliation: checked 1, settled 1" in result.stdout
    assert shop.store.get_payment(reservation.id).state is PaymentState.PAID
    assert_ledger(shop)
    unconfigured = run_command(tmp_path)
    assert unconfigured.returncode == 2 and "not configured" in unconfigured.stdout


def test_a_pass_is_skipped_while_another_instance_holds_the_lease(ready_shop: Shop) -> None:
    shop = ready_shop
    now = shop.clock.now()
    assert shop.store.acquire_lease(LEASE_NAME, "other-instance", now, now + timedelta(minutes=4))
    assert shop.services.reconciler.run_once().skipped
    shop.clock.advance(minutes=5)  # that instance died: its lease runs out
    assert not shop.services.reconciler.run_once().skipped


def test_passes_running_at_once_settle_everything_once(tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> None:
    shop = make_shop(tmp_path, clock, fake)
    shop.onboard()
    fake.drop_types.update({"checkout.session.completed", "checkout.session.expired"})
    event, tiers = shop.event(prices=(1500,), capacities=(300,))
    ended = [shop.buy(event, (tiers[0], 1)) for _ in range(40)]
    shop.clock.advance(minutes=10)
    running = [shop.buy(event, (tiers[0], 1)) for _ in range(20)]
    shop.clock.advance(minutes=6)
    for _, session_id in ended[:20]:
        fake.pay(session_id)
    # Several instances, each with its own reconciler, and no lease to keep them apart.
    shop.store.acquire_lease = lambda *args: True
    reconcilers = [Reconciler(shop.payments) for _ in range(4)]
    barrier = threading.Barrier(len(reconcilers))
    reports = []

    def run(reconciler: Reconciler) -> None:
        barrier.wait()
        reports.append(reconciler.run_once())

    threads = [threading.Thread(target=run, args=(r,)) for r in reconcilers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.errors for r in reports) == 0
    states = [shop.store.get_payment(r.id).state for r, _ in ended + running]
    assert states == [PaymentState.PAID] * 20 + [PaymentState.EXPIRED] * 20 + [PaymentState.OPEN] * 20
    assert len(shop.fake.calls("POST", "/v1/refunds")) == 0
    orders = shop.store.list_orders(event.id)
    assert len(orders) == 20 and len({o.reservation_id for o in orders}) == 20
    assert len(list((tmp_path / "mail").glob("ord_*.eml"))) == 20
    assert_ledger(shop)
