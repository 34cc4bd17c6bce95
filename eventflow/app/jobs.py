"""The app's background jobs, and card payments built from configuration.

Loops run on every instance (each step is safe on many instances at once): releasing ended holds,
every few seconds; with Stripe on, expiring the Checkout Sessions of holds that ended, every few
seconds too, and the reconciliation pass, every five minutes (`python -m eventflow.app.reconcile`
runs one pass by hand).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from eventflow.adapters.exchange_rates import shared_rates
from eventflow.adapters.threads import in_thread
from eventflow.app.daily_export_job import DailyExportPass
from eventflow.config import Settings
from eventflow.domain.outbox import Outbox
from eventflow.domain.payments.disputes import Disputes
from eventflow.domain.payments.ports import PaymentMailer
from eventflow.domain.payments.settle import PaymentsConfig, StripePayments
from eventflow.domain.ports import StoreWithPayments
from eventflow.domain.reservations import Ticketing

if TYPE_CHECKING:
    from eventflow.services import Services

log = logging.getLogger("eventflow.jobs")


def build_payments(
    settings: Settings, ticketing: Ticketing, store: StoreWithPayments, mailer: PaymentMailer
) -> StripePayments:
    """Card payments through Stripe; `store` is the app's store (every backend keeps payments too)."""
    from eventflow.adapters.stripe import StripeConnect  # the SDK is imported only when Stripe is on

    assert settings.stripe_secret_key and settings.stripe_webhook_secret
    gateway = StripeConnect(
        settings.stripe_secret_key, settings.stripe_webhook_secret, api_base=settings.stripe_api_base,
        timeout_seconds=settings.stripe_timeout_seconds, max_network_retries=settings.stripe_max_retries,
        webhook_tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
    )
    payments = StripePayments(
        ticketing, store, gateway, mailer, mailer,
        PaymentsConfig(
            public_url=settings.public_url,
            test_mode=settings.stripe_secret_key.startswith(("sk_test_", "rk_test_")),
            lease=timedelta(seconds=settings.payment_lease_seconds),
            restock_refunds=settings.refund_restock,
            processing=settings.processing_fees, processor_prices=settings.processor_price_table,
            platform_country=settings.stripe_platform_country,
        ),
        checkpoint=crash_point(settings.crash_points),
        disputes=Disputes(store, gateway, Outbox(store, ticketing.clock), ticketing.clock, settings.public_url),
    )
    ticketing.catalog.paid_sales_gate = payments
    return payments


def crash_point(configured: str | None) -> Callable[[str], None] | None:
    """Fault tests only: die by SIGKILL at the named points (no clean-up, like a power cut)."""
    points = {name.strip() for name in (configured or "").split(",") if name.strip()}
    if not points:
        return None

    def checkpoint(name: str) -> None:
        if name in points:
            log.warning("crash point %s: killing the process", name)
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


async def reap_expired_holds(services: Services) -> None:
    """Release ended holds every few seconds; safe with many instances doing the same."""
    while True:
        await asyncio.sleep(services.settings.reaper_interval_seconds)
        try:
            released = await drain_expired_holds(services)
            if released:
                log.info("released %d expired holds", released)
        except Exception:
            log.exception("releasing expired holds failed")


async def drain_expired_holds(services: Services, batch: int | None = None) -> int:
    """Release batch after batch while a batch comes back full, so a backlog (a rush of abandoned
    carts) is gone in one pass, not at one batch per interval. Each batch is its own hop to a worker
    thread, so the loop and the buyers' writes get their turn between batches. A batch cut short
    by another instance's reaper ends this pass: that instance is draining too."""
    batch = batch or services.ticketing.reaper_batch
    total = 0
    while True:
        released = await services.in_thread(services.ticketing.release_expired_holds, batch)
        total += released
        if released < batch:
            # Released tickets of a tier with a waitlist were kept for it: offer them now (issue 13;
            # without waitlists one cheap read). Also repairs a crash between a release and its offer.
            await services.in_thread(services.waitlist.process)
            return total


OUTBOX_LEASE = timedelta(seconds=60)
OUTBOX_BATCH = 100


async def refresh_exchange_rates(source: str | None, check_seconds: float = 3600.0) -> None:
    """Fetch the operator's exchange-rate URL in a worker thread at start and once a day (the pages'
    approximate prices read what was fetched; adapters/exchange_rates.py). Nothing to do for a file."""
    rates = shared_rates(source)
    if not rates.remote:
        return
    while True:
        try:
            await in_thread(rates.refresh)
        except Exception:  # a broken feed keeps yesterday's rates; the job goes on
            log.exception("exchange rates refresh failed")
        await asyncio.sleep(check_seconds)


async def run_outbox(services: Services) -> None:
    """Every outbox interval: send due mail (one instance at a time, under the `outbox` lease), then
    queue the reminders whose time has come (safe on every instance: one outbox key per order) and the
    daily exports (one key per event and day)."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    daily_exports = DailyExportPass(services)  # once a minute (app/daily_export_job.py)
    while True:
        await asyncio.sleep(services.settings.outbox_interval_seconds)
        try:
            await drain_outbox(services, owner)
        except Exception:
            log.exception("sending the outbox failed")
        try:
            queued = await services.in_thread(services.reminders.queue_due)
            if queued:
                log.info("queued %d reminders", queued)
        except Exception:
            log.exception("queueing reminders failed")
        try:  # the organizers' daily export mails: one outbox key per event and day
            await daily_exports.run()
        except Exception:
            log.exception("queueing daily exports failed")


async def drain_outbox(services: Services, owner: str, batch: int = OUTBOX_BATCH) -> int:
    """Send batch after batch while this instance holds the lease and batches come back full. The lease
    only saves other instances the effort: each message is claimed on its own before it is sent."""
    store, clock = services.outbox.store, services.outbox.clock
    sent = 0
    while await services.in_thread(store.acquire_lease, "outbox", owner, clock.now(), clock.now() + OUTBOX_LEASE):
        tried, accepted = await services.in_thread(services.outbox_sender.send_batch, batch)
        sent += accepted
        if tried < batch:
            break
    return sent


async def run_event_changes(services: Services) -> None:
    """Cancellations and postponements: settle their orders every reaper interval. Each event's batch
    runs under a lease (one instance at a time) and resumes from its saved cursor after a restart."""
    while True:
        await asyncio.sleep(services.settings.reaper_interval_seconds)
        try:
            settled = await services.in_thread(services.cancellations.run_due)
            if settled:
                log.info("settled %d orders of cancelled or postponed events", settled)
        except Exception:
            log.exception("settling orders of cancelled or postponed events failed")


async def run_payment_jobs(services: Services) -> None:
    """Expire sessions of ended holds every reaper interval; reconcile every reconcile interval."""
    payments, reconciler = services.payments, services.reconciler
    assert payments is not None and reconciler is not None
    settings = services.settings
    loop = asyncio.get_running_loop()
    next_reconcile = loop.time() + min(30.0, settings.reconcile_interval_seconds)  # a first pass soon after start
    while True:
        await asyncio.sleep(settings.reaper_interval_seconds)
        try:
            await services.in_thread(payments.expire_ended_sessions)
        except Exception:
            log.exception("expiring sessions of ended holds failed")
        if loop.time() >= next_reconcile:
            next_reconcile = loop.time() + settings.reconcile_interval_seconds
            try:
                await services.in_thread(reconciler.run_once)
            except Exception:
                log.exception("reconciliation failed")
