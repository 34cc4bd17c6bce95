"""Wires EventFlow together from configuration: store, services, API, pages, background jobs."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

import uvicorn
from fastapi.responses import FileResponse
from fastapi_offline import FastAPIOffline
from nicegui import app as nicegui_app
from nicegui import ui
from nicegui.nicegui import sio_app
from pydantic import ValidationError

from eventflow import api
from eventflow.adapters.covers import CoverImages
from eventflow.adapters.demo_payments import DemoPayments
from eventflow.adapters.live import AvailabilityHub
from eventflow.adapters.mail import FileMailer, OutboxMailer, SmtpMailer
from eventflow.adapters.tokens import TokenIssuer
from eventflow.app import seo
from eventflow.app.demo_data import seed_demo
from eventflow.app.discovery import backfill_listings, build_browse
from eventflow.app.flyers import build_flyers
from eventflow.app.headers import SecurityHeaders
from eventflow.app.jobs import (
    build_payments,
    crash_point,
    reap_expired_holds,
    refresh_exchange_rates,
    run_event_changes,
    run_outbox,
    run_payment_jobs,
)
from eventflow.app.live_sockets import LiveSockets
from eventflow.app.outbox_wakeups import quiet_outbox_loops
from eventflow.app.startup import open_checked_store, prepare_data_dir
from eventflow.app.traffic_job import flush_at_stop, flush_traffic
from eventflow.app.wallet_passes import build_wallet_passes
from eventflow.config import ConfigurationError, Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.attendee_messages import AttendeeMessages
from eventflow.domain.cancellation import Cancellations
from eventflow.domain.catalog import Catalog
from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.checkout import Checkout
from eventflow.domain.clock import Clock, SystemClock
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.email_verification import EmailVerifications
from eventflow.domain.errors import NotFound
from eventflow.domain.outbox import Outbox, OutboxSender
from eventflow.domain.password_reset import PasswordResets
from eventflow.domain.payments.disputes import DoorDisputes
from eventflow.domain.payments.errors import PaymentsNotReady
from eventflow.domain.payments.ports import PaymentMailer
from eventflow.domain.payments.reconciliation import Reconciler
from eventflow.domain.queries import Queries
from eventflow.domain.reminders import Reminders
from eventflow.domain.reservations import Ticketing
from eventflow.domain.sale_settings import SaleRules
from eventflow.domain.staff import DoorStaff
from eventflow.domain.traffic import Traffic
from eventflow.pages.components.formatting import use_exchange_rates
from eventflow.services import Services

log = logging.getLogger("eventflow")


def email_checks(settings: Settings, catalog: Catalog, accounts: Accounts, outbox: Outbox, clock: Clock,
                 secret: str) -> EmailVerifications:
    """The email check, and publishing held until it passed when this server requires it."""
    checks = EmailVerifications(accounts, outbox, clock, secret, settings.public_url,
                                required=settings.requires_email_verification)
    if checks.required:
        catalog.publish_check = checks.require_verified
    return checks


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Raises ConfigurationError (one sentence) when the data dir, secret key or database is unusable."""
    clock = clock or SystemClock()
    prepare_data_dir(settings)
    secret = settings.resolved_secret_key()
    store = open_checked_store(settings)
    hub = AvailabilityHub(store, poll_seconds=settings.live_poll_seconds)
    catalog = Catalog(store, clock, listener=hub)
    drop_hold = timedelta(minutes=settings.drop_hold_minutes) if settings.drop_hold_minutes else None
    ticketing = Ticketing(store, clock, secret, listener=hub, hold_duration=settings.hold_duration, catalog=catalog,
                          one_hold_per_buyer=settings.one_hold_per_buyer, drop_hold=drop_hold)
    ticketing.traffic = Traffic(store, clock)  # views, holds and orders per source (domain/traffic.py)
    ticketing.sale_rules = SaleRules(store, settings.one_hold_per_buyer, drop_hold)  # per event (issue 13)
    server = (
        SmtpMailer(settings.smtp_url, settings.public_url)
        if settings.smtp_url
        else FileMailer(settings.data_dir / "mail", settings.public_url)
    )
    outbox, outbox_sender = Outbox(store, clock), OutboxSender(store, clock, server)
    mailer: PaymentMailer = OutboxMailer(outbox, outbox_sender, server, settings.public_url)  # tickets via the outbox
    payments = build_payments(settings, ticketing, store, mailer) if settings.stripe_enabled else None
    checkout = Checkout(ticketing, payments or DemoPayments(base_url=""), mailer)
    if payments is not None:  # fault tests only: a kill point between Stripe's refund and ours
        payments.refunds.checkpoint = crash_point(settings.crash_points) or payments.refunds.checkpoint
    cancellations = Cancellations(
        ticketing, store, outbox, payments.refunds if payments else None, settings.public_url,
        lease=timedelta(seconds=settings.payment_lease_seconds), checkpoint=crash_point(settings.crash_points))
    services = Services(
        settings=settings, catalog=catalog, ticketing=ticketing, tokens=TokenIssuer(secret, clock), hub=hub,
        checkout=checkout,
        staff=DoorStaff(catalog), queries=Queries(store, payments.store if payments else store),  # demo refunds too
        covers=CoverImages(settings.data_dir / "covers"),
        door=DoorCheckIn(store, clock, DoorKeys(secret), listener=hub,
                         disputes=DoorDisputes(store) if payments else None), payments=payments,
        outbox=outbox, cancellations=cancellations, outbox_sender=outbox_sender,
        reminders=Reminders(store, outbox, clock, settings.public_url),
        messages=AttendeeMessages(store, outbox, settings.public_url),
        reconciler=Reconciler(payments) if payments else None,
        flyers=build_flyers(settings, store, clock),
        browse=build_browse(settings, store, catalog, outbox, clock),
        password_resets=PasswordResets(ticketing.accounts, outbox, clock, secret, settings.public_url),
        email_checks=email_checks(settings, catalog, ticketing.accounts, outbox, clock, secret),
        wallet_passes=build_wallet_passes(settings, store, secret),
    )
    assert services.wallet_passes is not None
    services.door.passes = services.wallet_passes.codes  # the door accepts wallet passes' static codes
    return services


def install(services: Services) -> None:
    """Attach API, pages and background jobs to NiceGUI's app."""
    from eventflow import pages

    nicegui_app.state.eventflow = services
    api.install_error_handlers(nicegui_app)
    nicegui_app.include_router(api.router)

    @nicegui_app.get("/covers/{event_id}.jpg", include_in_schema=False)
    def cover_image(event_id: str) -> FileResponse:
        path = services.covers.path(Path(event_id).name)  # .name: no way out of the covers folder
        if not path.is_file():
            raise NotFound("No cover image")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})
    seo.register(nicegui_app, services)  # ahead of the pages: /e/{slug}.ics is not an event page
    pages.register(services)  # with the OIDC login routes when an issuer is configured
    use_exchange_rates(services.settings.exchange_rates)  # approximate prices (pages/components/formatting.py)

    async def start_background_jobs() -> None:
        services.hub.start()
        nicegui_app.state.reaper = asyncio.create_task(reap_expired_holds(services))
        nicegui_app.state.outbox = asyncio.create_task(run_outbox(services))
        nicegui_app.state.exchange_rates = asyncio.create_task(  # a rates URL: fetched off the loop, daily
            refresh_exchange_rates(services.settings.exchange_rates))
        nicegui_app.state.event_changes = asyncio.create_task(run_event_changes(services))
        nicegui_app.state.listings = asyncio.create_task(backfill_listings(services))  # app/discovery.py
        nicegui_app.state.traffic = asyncio.create_task(flush_traffic(services))  # app/traffic_job.py
        if services.payments is not None:
            nicegui_app.state.payment_jobs = asyncio.create_task(run_payment_jobs(services))

    async def stop_background_jobs() -> None:
        await services.hub.stop()
        flush_at_stop(services)  # views and holds counted since the last flush (domain/traffic.py)
        services.ticketing.store.close()

    nicegui_app.on_startup(start_background_jobs)
    nicegui_app.on_shutdown(stop_background_jobs)


def run(settings: Settings | None = None) -> None:
    """Serve EventFlow; a configuration it cannot start with exits with one sentence on stderr."""
    # Everything the server creates (database and its WAL, secret key, mail, uploads, NiceGUI's
    # session storage) is for its own user only.
    os.umask(0o077)
    try:
        serve(settings or Settings())
    except ValidationError as error:
        first = error.errors()[0]
        field = "EVENTFLOW_" + "_".join(str(part) for part in first["loc"]).upper()
        stop(f"{field} is not valid: {first['msg']}.")
    except ConfigurationError as error:
        stop(str(error))


def stop(sentence: str) -> None:
    print(f"EventFlow cannot start. {sentence}", file=sys.stderr)
    raise SystemExit(1)


def serve(settings: Settings) -> None:
    # A thousand open pages are ~2 M tracked objects; with the default thresholds a full collection
    # (1-3 s, everything paused) ran every few seconds and delayed live updates. Collect far less often.
    gc.set_threshold(100_000, 50, 100)
    # Sync API handlers run in worker threads while the loop redraws pages: with CPython's default
    # 5-ms switch interval a payment waited up to 5 ms per GIL hand-over behind a dashboard's redraw
    # (pay p99 1.85x with a dashboard open on 50,000 orders; 1.20x at 1 ms, docs/benchmarks.md).
    sys.setswitchinterval(0.001)
    quiet_outbox_loops()  # no per-page wake-up every second (app/outbox_wakeups.py)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = build_services(settings)
    try:
        seed_demo(services, log)  # only what the settings ask for (app/demo_data.py)
    except PaymentsNotReady:
        log.info("demo event left as a draft: paid tiers go on sale once Stripe onboarding is done")
    install(services)
    # The JSON API lives on a plain FastAPI app with NiceGUI mounted under it, so API requests skip
    # NiceGUI's session, storage and gzip middleware: about 3x the reservations per second.
    # FastAPIOffline: /docs and /redoc load their scripts from the installed package (under
    # /docs/assets, with the docs' security headers), not from a CDN: they work offline.
    root = FastAPIOffline(title="EventFlow API", version="1", description="Public JSON API of EventFlow (/api/v1).",
                          static_url="/docs/assets")
    root.state.eventflow = services
    # On the root app, so pages, API, static files and docs all carry them.
    root.add_middleware(SecurityHeaders, base_url=settings.public_url)
    api.install_error_handlers(root)
    # The API's routes flat on the root app (`include_router` nests lazily in this FastAPI, so every
    # API request was matched twice over the route list: ~30 µs of a reservation's ~200 µs), and
    # ahead of FastAPI's own /openapi.json, /docs and /redoc routes (other paths, so the order is free).
    root.router.routes[0:0] = api.router.routes
    ui.run_with(
        root,
        title="EventFlow",
        favicon="🎟",
        language="en-GB",  # <html lang="en-GB">: screen readers pick the voice; Quasar's words in British English
        storage_secret=settings.resolved_secret_key(),
        # The session cookie (the login's binding secret, pages/components/session.py) travels only
        # over https when the site is served over https; SameSite=lax keeps cross-site POSTs out.
        session_middleware_kwargs={"https_only": settings.public_url.startswith("https://"), "same_site": "lax"},
        reconnect_timeout=10,
    )
    log.info("EventFlow on http://%s:%d (API reference at /docs)", settings.host, settings.port)
    # LiveSockets: the pages' websockets skip the middlewares (app/live_sockets.py).
    # ws_ping_interval=None: Engine.IO already pings every socket (and drops silent ones); uvicorn's
    # own websocket pings on top cost ~5% of the server's CPU with thousands of pages open.
    uvicorn.run(LiveSockets(root, sio_app), host=settings.host, port=settings.port, log_level="warning",
                access_log=False, ws_ping_interval=None)
