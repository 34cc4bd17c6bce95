"""Test mode (the built-in demo provider, no Stripe): cancelling an event records a refund for every
order (demo ones "recorded as such", free ones at zero) and the event's ledger shows them, so it
balances to zero like with card payments; the refunds are in the store the ledger reads."""

from __future__ import annotations

import warnings
from pathlib import Path

from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from eventflow import api
from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest


def test_a_cancelled_test_mode_event_has_a_ledger_at_zero(tmp_path: Path, clock: ManualClock) -> None:
    services = build_services(Settings(_env_file=None, data_dir=tmp_path, demo_data=False), clock=clock)
    app = FastAPI()
    api.install_error_handlers(app)
    app.include_router(api.router)
    app.state.eventflow = services
    client = TestClient(app)
    organizer = services.ticketing.sign_up("test-mode@example.com", "correct horse", "Tess")
    auth = {"Authorization": f"Bearer {services.tokens.organizer_token(organizer)}"}
    event = client.post("/api/v1/events", headers=auth, json={
        "title": "Test Night", "starts_at": "2027-05-01T19:00:00+00:00", "ends_at": "2027-05-01T22:00:00+00:00",
        "timezone": "UTC", "currency": "EUR"}).json()
    paid = client.post(f"/api/v1/events/{event['id']}/tiers", headers=auth,
                       json={"name": "Entry", "price_minor": 2000, "capacity": 10}).json()
    free = client.post(f"/api/v1/events/{event['id']}/tiers", headers=auth,
                       json={"name": "Crew", "price_minor": 0, "capacity": 10}).json()
    assert client.post(f"/api/v1/events/{event['id']}/publish", headers=auth).status_code == 200
    for tier, quantity in ((paid, 2), (paid, 1), (free, 1)):
        reservation = services.ticketing.reserve(event["id"], [LineRequest(tier["id"], quantity)],
                                                 Buyer("b@example.com", "Bo"))
        services.checkout.payment_succeeded(reservation.id, payment_ref=f"demo_{reservation.id}")
    before = client.get(f"/api/v1/events/{event['id']}/ledger", headers=auth).json()
    assert before["charged_minor"] > 0 and before["refunded_minor"] == 0

    assert client.post(f"/api/v1/events/{event['id']}/cancel", headers=auth, json={}).status_code == 202
    assert services.cancellations.run_due() == 3
    ledger = client.get(f"/api/v1/events/{event['id']}/ledger", headers=auth).json()
    assert ledger["refunded_minor"] == ledger["charged_minor"] == before["charged_minor"]
    assert ledger["fee_refunded_minor"] == ledger["platform_fee_minor"] and ledger["organizer_net_minor"] == 0
    client.close()
    services.ticketing.store.close()
