"""An organizer sees and changes only their own events, orders and attendees, on pages and API alike.

Organizer A runs an event with buyers and door staff; organizer B (a valid account of their own)
tries every organizer route of the JSON API and every organizer page against A's ids. Everything
is refused with a JSON 403/404, nothing of A's changes, and no answer carries A's buyers. Staff
tokens open one event only and die with revocation; API tokens die with "log out everywhere"
and with age. This app has demo payments, so its refund and money routes answer 404 to everyone:
test_authorization_stripe.py walks them again on an app with Stripe configured.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from selenium.webdriver.support.ui import WebDriverWait

from eventflow import api as api_module
from eventflow.adapters.tokens import ORGANIZER_TOKEN_LIFETIME, SESSION_LIFETIME, TokenIssuer
from eventflow.api.deps import current_organizer, current_staff
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Unauthorized
from eventflow.domain.models import Organizer
from eventflow.domain.reservations import Ticketing
from eventflow.domain.staff import DoorStaff
from eventflow.store import open_store
from tests.browser.conftest import DESKTOP, browser  # noqa: F401  (the browser fixture, for the page checks)
from tests.browser.test_checkout_flow import by_testid, fill, wait_testid
from tests.conftest import FAST_HASHER
from tests.server import running_app

EVENT = {
    "starts_at": "2027-05-01T18:00:00+02:00",
    "ends_at": "2027-05-01T23:00:00+02:00",
    "timezone": "Europe/Berlin",
    "venue": "Rooftop 9",
    "currency": "EUR",
    "description": "Members only",
    "fee_mode": "buyer_pays",
}
A_TITLE = "Secret Garden Party"
A_DRAFT_TITLE = "Unannounced Warehouse Rave"
A_BUYERS = [("Ottilie Quartermaine", "ottilie.q@example.org"), ("Bartholomew Zyx", "bzyx@example.net")]
A_STAFF_LABEL = "Door Dora at gate 3"
A_DOOR_DEVICE = "gate-3-tablet-of-dora"
PASSWORD = "a long password"


@dataclass
class Organizers:
    url: str
    data_dir: Path
    a_email: str
    a_auth: dict[str, str]
    a_event: dict[str, Any]
    a_draft: dict[str, Any]
    a_staff: dict[str, Any]
    b_email: str
    b_auth: dict[str, str]
    b_event: dict[str, Any]
    b_staff: dict[str, Any]
    a_tickets: list[dict[str, Any]]
    a_orders: list[str]

    @property
    def secrets_of_a(self) -> list[str]:
        """What must never appear in an answer to B: A's buyers, door staff and drafts."""
        return [
            *[part for buyer in A_BUYERS for part in buyer], A_STAFF_LABEL, self.a_staff["token"],
            A_DRAFT_TITLE, self.a_staff["staff_id"], A_DOOR_DEVICE,
        ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(client: httpx.Client, name: str) -> tuple[str, dict[str, str]]:
    email = f"{name.lower()}-{secrets.token_hex(3)}@example.com"
    response = client.post("/auth/signup", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 201, response.text
    return email, bearer(response.json()["token"])


def create_event(client: httpx.Client, auth: dict[str, str], title: str, publish: bool) -> dict[str, Any]:
    event = client.post("/events", json={**EVENT, "title": title}, headers=auth)
    assert event.status_code == 201, event.text
    event_id = event.json()["id"]
    for name, price in (("Early bird", 1200), ("Free entry", 0)):
        tier = client.post(f"/events/{event_id}/tiers", headers=auth,
                           json={"name": name, "price_minor": price, "capacity": 50})
        assert tier.status_code == 201, tier.text
    if publish:
        assert client.post(f"/events/{event_id}/publish", headers=auth).status_code == 200
    return client.get(f"/events/{event_id}", headers=auth).json()


def buy(client: httpx.Client, event: dict[str, Any], buyer: tuple[str, str], tier_index: int = 0) -> dict:
    name, email = buyer
    held = client.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": event["tiers"][tier_index]["id"], "quantity": 2}],
        "buyer": {"name": name, "email": email},
    })
    assert held.status_code == 201, held.text
    paid = client.post(f"/demo-payments/{held.json()['id']}/pay")
    assert paid.status_code == 200, paid.text
    return paid.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("authz")
    with running_app(data_dir) as url, httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        a_email, a_auth = sign_up(client, "Alpha")
        a_event = create_event(client, a_auth, A_TITLE, publish=True)
        a_draft = create_event(client, a_auth, A_DRAFT_TITLE, publish=False)
        a_paid = [buy(client, a_event, buyer) for buyer in A_BUYERS]
        a_tickets = [ticket for paid in a_paid for ticket in paid["tickets"]]
        a_staff = client.post(f"/events/{a_event['id']}/staff", json={"label": A_STAFF_LABEL}, headers=a_auth)
        assert a_staff.status_code == 201, a_staff.text
        admitted = a_tickets[-1]  # one guest is already in: A's check-ins are not empty either
        code = client.get(f"/tickets/{admitted['ticket_id']}", params={"key": admitted["key"]}).json()["qr_payload"]
        scan = client.post(f"/events/{a_event['id']}/checkin/scan", json={"code": code, "device_id": A_DOOR_DEVICE},
                           headers=bearer(a_staff.json()["token"]))
        assert scan.status_code == 200 and scan.json()["result"] == "admitted", scan.text
        b_email, b_auth = sign_up(client, "Bravo")
        b_event = create_event(client, b_auth, "Bravo Bingo Night", publish=True)
        b_staff = client.post(f"/events/{b_event['id']}/staff", json={"label": "Bravo's door"}, headers=b_auth)
        assert b_staff.status_code == 201, b_staff.text
        yield Organizers(url, data_dir, a_email, a_auth, a_event, a_draft, a_staff.json(),
                         b_email, b_auth, b_event, b_staff.json(), a_tickets,
                         [paid["order_id"] for paid in a_paid])


@pytest.fixture
def client(world: Organizers):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{world.url}/api/v1", timeout=10) as http:
        yield http


# Every organizer route of the API, with a body that would be accepted if the event were B's own.
# `test_the_walk_covers_every_organizer_route` fails when a new route is missing here.
ORGANIZER_ROUTES: list[tuple[str, str, dict | None]] = [
    ("POST", "/events/{event_id}/tiers", {"name": "Free for me", "price_minor": 0, "capacity": 999}),
    ("POST", "/events/{event_id}/publish", None),
    ("GET", "/events/{event_id}/orders.csv", None),
    ("POST", "/events/{event_id}/staff", {"label": "B's friend"}),
    ("GET", "/events/{event_id}/staff", None),
    ("DELETE", "/events/{event_id}/staff/{staff_id}", None),
    ("GET", "/events/{event_id}/checkin/checkins", None),
    ("GET", "/events/{event_id}/checkin/double-admissions", None),
    ("POST", "/events/{event_id}/refunds", {"order_id": "{order_id}"}),
    ("GET", "/events/{event_id}/refunds", None),
    ("GET", "/events/{event_id}/ledger", None),
    ("POST", "/events/{event_id}/cancel", {"message": "B cancels A's party"}),
    ("POST", "/events/{event_id}/postpone", {"starts_at": "2030-01-01T20:00:00+00:00",
                                             "ends_at": "2030-01-01T23:00:00+00:00",
                                             "refund_deadline": "2029-12-01T20:00:00+00:00"}),
    ("GET", "/events/{event_id}/change", None),
    ("POST", "/events/{event_id}/change/retry", None),
    ("POST", "/orders/{order_id}/void", {"reason": "B voids A's buyer"}),
    ("POST", "/events/{event_id}/flyers", {"theme": "B's flyer"}),
    ("GET", "/events/{event_id}/flyers", None),
    ("PUT", "/events/{event_id}/tags", {"tags": ["b-was-here"]}),
    ("GET", "/events/{event_id}/flyers/{flyer_id}", None),
    ("GET", "/events/{event_id}/flyers/{flyer_id}/{file_name}", None),
    ("POST", "/events/{event_id}/flyers/{flyer_id}/cover", None),
    ("PATCH", "/events/{event_id}/flyers/{flyer_id}/captions", {"channel": "x", "index": 0, "text": "B's words"}),
    ("POST", "/events/{event_id}/codes", {"code": "B-FREE-FOR-ALL", "discount_percent": 100}),
    ("GET", "/events/{event_id}/codes", None),
    ("POST", "/events/{event_id}/codes/batch", {"count": 3, "unlocks_tiers": "all"}),
    ("GET", "/events/{event_id}/codes.csv", None),
    ("PATCH", "/events/{event_id}/codes/{code_id}", {"max_uses": 1000}),
    ("DELETE", "/events/{event_id}/codes/{code_id}", None),
    ("GET", "/events/{event_id}/questions", None),
    ("PUT", "/events/{event_id}/questions", {"ask_names": False, "questions": [{"label": "B asks"}]}),
    ("GET", "/events/{event_id}/sale-settings", None),
    ("PUT", "/events/{event_id}/sale-settings", {"one_hold_per_buyer": False}),
    ("DELETE", "/events/{event_id}/tiers/{tier_id}", None),
    ("GET", "/events/{event_id}/waitlist", None),  # issue 13
    ("GET", "/events/{event_id}/waitlist.csv", None),
    ("GET", "/events/{event_id}/waitlist/settings", None),
    ("PUT", "/events/{event_id}/waitlist/settings", {"paused": True}),
    ("DELETE", "/events/{event_id}", None),
    ("GET", "/events/{event_id}/analytics", None),
    ("POST", "/events/{event_id}/analytics/suggestions/{key}/dismiss", None),  # issue 18
    ("GET", "/events/{event_id}/orders.xlsx", None),
    ("GET", "/events/{event_id}/attendees.xlsx", None),
    ("GET", "/events/{event_id}/attendees.csv", None),
    ("GET", "/events/{event_id}/checkins.xlsx", None),
    ("GET", "/events/{event_id}/checkins.csv", None),
    ("GET", "/events/{event_id}/sources.xlsx", None),
    ("GET", "/events/{event_id}/sources.csv", None),
    ("GET", "/events/{event_id}/transfer-policy", None),  # issue 17: transfers
    ("PUT", "/events/{event_id}/transfer-policy", {"rule": "forbid"}),
    ("GET", "/events/{event_id}/wallet-passes", None),  # issue 17: wallet passes
    ("PUT", "/events/{event_id}/wallet-passes", {"forbidden": True}),
]
# Routes that act for the signed-in organizer on their own account, not on an event id.
NOT_ABOUT_AN_EVENT = {("POST", "/events"), ("GET", "/payments/account"), ("POST", "/payments/onboarding"),
                      ("GET", "/payments/payouts"), ("PUT", "/organizer/address")}
# Every door-staff route of one event, with a body that would be accepted with the right token.
STAFF_ROUTES: list[tuple[str, str, dict | None]] = [
    ("GET", "/events/{event_id}/checkin/manifest", None),
    ("POST", "/events/{event_id}/checkin/scan", {"code": "EF1.tkt_x.12345678", "device_id": "door-1"}),
    ("POST", "/events/{event_id}/checkin/admit", {"ticket_id": "tkt_x", "device_id": "door-1"}),
    ("POST", "/events/{event_id}/checkin/sync", {"device_id": "door-1", "scans": [
        {"ticket_id": "tkt_x", "code": "12345678", "scanned_at": "2027-05-01T19:00:00Z", "nonce": "n-1"}]}),
]


def filled(body: dict | None, ids: dict[str, str]) -> dict | None:
    """The route's body with `{order_id}`-style placeholders replaced by real ids."""
    return None if body is None else {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}


def _depends_on(route: APIRoute, dependency: Any) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        sub = pending.pop()
        if sub.call is dependency:
            return True
        pending.extend(sub.dependencies)
    return False


def _routes_using(dependency: Any) -> set[tuple[str, str]]:
    found = set()
    for route in api_module.router.routes:
        if isinstance(route, APIRoute) and _depends_on(route, dependency):
            path = route.path.removeprefix(api_module.router.prefix)
            found |= {(method, path) for method in route.methods or ()}
    return found


def assert_refused(response: httpx.Response, world: Organizers, statuses: tuple[int, ...] = (403, 404)) -> None:
    assert response.status_code in statuses, (response.request.method, response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    for secret in world.secrets_of_a:
        assert secret not in response.text, (secret, response.text)


def snapshot_of_a(client: httpx.Client, world: Organizers) -> dict[str, Any]:
    def read(path: str) -> httpx.Response:
        response = client.get(path, headers=world.a_auth)
        assert response.status_code == 200, response.text
        return response

    return {
        "event": read(f"/events/{world.a_event['id']}").json(),
        "draft": read(f"/events/{world.a_draft['id']}").json(),
        "staff": read(f"/events/{world.a_event['id']}/staff").json(),
        "orders": read(f"/events/{world.a_event['id']}/orders.csv").text,
        "draft_staff": read(f"/events/{world.a_draft['id']}/staff").json(),
        "checkins": read(f"/events/{world.a_event['id']}/checkin/checkins").json(),
        "tickets": [client.get(f"/tickets/{t['ticket_id']}", params={"key": t["key"]}).json()["status"]
                    for t in world.a_tickets],  # none refunded or voided
    }


# ------------------------------------------------------------------ API, organizer B against A's ids
def test_the_walk_covers_every_organizer_route() -> None:
    organizer_routes = _routes_using(current_organizer)
    walked = {(method, path) for method, path, _ in ORGANIZER_ROUTES}
    missing = organizer_routes - NOT_ABOUT_AN_EVENT - walked
    assert not missing, f"add the new organizer routes to ORGANIZER_ROUTES: {missing}"


def test_the_a_data_is_really_there(client: httpx.Client, world: Organizers) -> None:
    """The refusals below mean something only if A's routes answer A with this very data."""
    a = snapshot_of_a(client, world)
    rows = list(csv.DictReader(io.StringIO(a["orders"])))
    assert len(rows) == 4
    for name, email in A_BUYERS:
        assert name in a["orders"] and email in a["orders"]
    assert [s["label"] for s in a["staff"]] == [A_STAFF_LABEL]
    assert a["draft"]["status"] == "draft"
    assert A_DOOR_DEVICE in str(a["checkins"])


@pytest.mark.parametrize("target", ["published", "draft"])
def test_organizer_b_is_refused_on_every_route_of_a(client: httpx.Client, world: Organizers, target: str) -> None:
    before = snapshot_of_a(client, world)
    event = world.a_event if target == "published" else world.a_draft
    ids = {"event_id": event["id"], "staff_id": world.a_staff["staff_id"], "order_id": world.a_orders[0],
           "flyer_id": "fly_of_a", "file_name": "square.png", "code_id": "acc_of_a",
           "tier_id": world.a_event["tiers"][0]["id"], "key": "raise_price_or_capacity:tier_of_a"}
    for method, path, body in ORGANIZER_ROUTES:
        response = client.request(method, path.format(**ids), json=filled(body, ids), headers=world.b_auth)
        assert_refused(response, world)
    if target == "draft":  # the one public read: a draft does not exist for anyone but its organizer
        assert_refused(client.get(f"/events/{event['id']}", headers=world.b_auth), world, (404,))
        assert_refused(client.get(f"/events/{event['id']}"), world, (404,))
        assert_refused(client.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 1}],
            "buyer": {"name": "Sneaky", "email": "sneaky@example.com"}}), world, (404,))
    assert snapshot_of_a(client, world) == before  # no tier added, nothing published, staff not revoked


def test_a_staff_id_cannot_be_revoked_through_bs_own_event(client: httpx.Client, world: Organizers) -> None:
    before = snapshot_of_a(client, world)
    response = client.delete(f"/events/{world.b_event['id']}/staff/{world.a_staff['staff_id']}",
                             headers=world.b_auth)
    assert_refused(response, world)
    tiers_of_b = client.post(f"/events/{world.b_event['id']}/tiers", headers=world.b_auth,
                             json={"name": "Own tier", "price_minor": 0, "capacity": 5})
    assert tiers_of_b.status_code == 201  # B's token is fine for B's own event
    assert snapshot_of_a(client, world) == before


def test_bs_public_reads_of_as_event_carry_no_attendees(client: httpx.Client, world: Organizers) -> None:
    response = client.get(f"/events/{world.a_event['id']}", headers=world.b_auth)
    assert response.status_code == 200
    for secret in world.secrets_of_a:
        assert secret not in response.text


@pytest.mark.parametrize("token", ["", "nonsense", "Bearer", "eyJhbGciOiJub25lIn0.e30."])
def test_broken_or_missing_tokens_are_401_on_every_organizer_route(
    client: httpx.Client, world: Organizers, token: str
) -> None:
    ids = {"event_id": world.a_event["id"], "staff_id": world.a_staff["staff_id"], "order_id": world.a_orders[0],
           "flyer_id": "fly_of_a", "file_name": "square.png", "code_id": "acc_of_a",
           "tier_id": world.a_event["tiers"][0]["id"], "key": "raise_price_or_capacity:tier_of_a"}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path, body in ORGANIZER_ROUTES:
        response = client.request(method, path.format(**ids), json=filled(body, ids), headers=headers)
        assert_refused(response, world, (401,))


# ------------------------------------------------------------------ door staff tokens
def staff_store(world: Organizers) -> DoorStaff:
    store = open_store(None, world.data_dir)  # the running app's own SQLite file
    return DoorStaff(Ticketing(store, ManualClock(), secret_key="unused here", password_hasher=FAST_HASHER).catalog)


def test_the_staff_walk_covers_every_staff_route() -> None:
    staff_routes = {(m, p) for m, p in _routes_using(current_staff) if "{event_id}" in p}
    assert staff_routes == {(method, path) for method, path, _ in STAFF_ROUTES}, "update STAFF_ROUTES"


def test_a_staff_token_opens_its_own_event_only(client: httpx.Client, world: Organizers) -> None:
    token = world.a_staff["token"]
    me = client.get("/staff/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["event_id"] == world.a_event["id"] and me.json()["active"] is True
    own = client.get(f"/events/{world.a_event['id']}/checkin/manifest", headers=bearer(token))
    assert own.status_code == 200, own.text
    assert {t["id"] for t in own.json()["tickets"]} == {t["ticket_id"] for t in world.a_tickets}

    organizing = staff_store(world)
    try:
        assert organizing.staff_for_token(token, world.a_event["id"]).id == world.a_staff["staff_id"]
        for other_event in (world.b_event["id"], world.a_draft["id"], "evt_doesnotexist"):
            with pytest.raises(Unauthorized):
                organizing.staff_for_token(token, other_event)
        with pytest.raises(Unauthorized):
            organizing.staff_for_token(world.b_staff["token"], world.a_event["id"])
    finally:
        organizing.store.close()

    # A's door token on every staff route of B's event and of A's draft; B's door token on A's event.
    for token_, event_id in ((token, world.b_event["id"]), (token, world.a_draft["id"]),
                             (world.b_staff["token"], world.a_event["id"])):
        for method, path, body in STAFF_ROUTES:
            response = client.request(method, path.format(event_id=event_id), json=body, headers=bearer(token_))
            assert_refused(response, world, (401, 403, 404))
            for ticket in world.a_tickets:
                assert ticket["ticket_id"] not in response.text


def test_bs_door_learns_nothing_from_scanning_an_a_ticket(client: httpx.Client, world: Organizers) -> None:
    ticket = world.a_tickets[0]
    code = client.get(f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]}).json()["qr_payload"]
    scanned = client.post(f"/events/{world.b_event['id']}/checkin/scan", json={"code": code, "device_id": "b-door"},
                          headers=bearer(world.b_staff["token"]))
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["result"] == "wrong_event" and scanned.json()["ticket"] is None
    for secret in world.secrets_of_a:
        assert secret not in scanned.text
    still_valid = client.get(f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]}).json()
    assert still_valid["status"] == "valid"
    manifest = client.get(f"/events/{world.a_event['id']}/checkin/manifest", headers=bearer(world.a_staff["token"]))
    checked_in = {t["id"] for t in manifest.json()["tickets"] if t.get("checked_in_at")}
    assert checked_in == {world.a_tickets[-1]["ticket_id"]}  # only the guest A's own door let in


def test_staff_and_organizer_tokens_are_not_interchangeable(client: httpx.Client, world: Organizers) -> None:
    assert_refused(client.get("/staff/me", headers=world.a_auth), world, (401,))
    for method, path, body in STAFF_ROUTES:  # an organizer's own token is no door token either
        url = path.format(event_id=world.a_event["id"])
        assert_refused(client.request(method, url, json=body, headers=world.a_auth), world, (401,))
    staff_as_organizer = bearer(world.a_staff["token"])
    ids = {"event_id": world.a_event["id"], "staff_id": world.a_staff["staff_id"], "order_id": world.a_orders[0],
           "flyer_id": "fly_of_a", "file_name": "square.png", "code_id": "acc_of_a",
           "tier_id": world.a_event["tiers"][0]["id"], "key": "raise_price_or_capacity:tier_of_a"}
    for method, path, body in ORGANIZER_ROUTES:
        response = client.request(method, path.format(**ids), json=filled(body, ids), headers=staff_as_organizer)
        assert_refused(response, world, (401,))


def test_a_revoked_staff_token_stops_working(client: httpx.Client, world: Organizers) -> None:
    created = client.post(f"/events/{world.a_event['id']}/staff", json={"label": "Temp helper"},
                          headers=world.a_auth).json()
    assert client.get("/staff/me", headers=bearer(created["token"])).status_code == 200
    revoked = client.delete(f"/events/{world.a_event['id']}/staff/{created['staff_id']}", headers=world.a_auth)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = client.delete(f"/events/{world.a_event['id']}/staff/{created['staff_id']}", headers=world.a_auth)
    assert again.status_code == 200 and again.json()["active"] is False  # revoking twice is harmless
    assert_refused(client.get("/staff/me", headers=bearer(created["token"])), world, (401,))
    for method, path, body in STAFF_ROUTES:
        url = path.format(event_id=world.a_event["id"])
        assert_refused(client.request(method, url, json=body, headers=bearer(created["token"])), world, (401,))
    listed = {s["staff_id"]: s["active"] for s in client.get(
        f"/events/{world.a_event['id']}/staff", headers=world.a_auth).json()}
    assert listed == {world.a_staff["staff_id"]: True, created["staff_id"]: False}


# ------------------------------------------------------------------ token lifetimes (in-process, manual clock)
def organizer(epoch: int = 0) -> Organizer:
    return Organizer(id="org_test", email="t@example.com", name="T", password_hash="x",
                     created_at=datetime(2026, 1, 1, tzinfo=UTC), session_epoch=epoch)


@pytest.mark.parametrize(("kind", "lifetime"), [("organizer", ORGANIZER_TOKEN_LIFETIME), ("session", SESSION_LIFETIME)])
def test_tokens_expire_after_their_lifetime(kind: str, lifetime: timedelta) -> None:
    clock = ManualClock()
    issuer = TokenIssuer("test-secret", clock)
    token = issuer.organizer_token(organizer(3)) if kind == "organizer" else issuer.session_token(organizer(3))
    assert issuer.organizer_id(token, kind) == ("org_test", 3)
    clock.advance(lifetime - timedelta(seconds=1))
    assert issuer.organizer_id(token, kind) == ("org_test", 3)
    clock.advance(seconds=2)
    with pytest.raises(Unauthorized):
        issuer.organizer_id(token, kind)


def test_tokens_of_another_kind_or_key_are_refused() -> None:
    clock = ManualClock()
    issuer = TokenIssuer("test-secret", clock)
    session = issuer.session_token(organizer())
    with pytest.raises(Unauthorized):
        issuer.organizer_id(session, "organizer")  # a dashboard session is no API token
    with pytest.raises(Unauthorized):
        issuer.organizer_id(issuer.organizer_token(organizer()), "session")
    with pytest.raises(Unauthorized):
        TokenIssuer("another-secret", clock).organizer_id(issuer.organizer_token(organizer()))
    with pytest.raises(Unauthorized):
        issuer.organizer_id(issuer.organizer_token(organizer())[:-2] + "xx")


# ------------------------------------------------------------------ pages, in a real browser
def log_in(driver, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    driver.get(f"{url}/login")
    wait_testid(driver, "login-email")
    fill(driver, "login-email", email)
    fill(driver, "login-password", PASSWORD)
    by_testid(driver, "login-submit").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/dashboard"))
    WebDriverWait(driver, 10).until(lambda d: "Hello," in d.find_element("tag name", "body").text)


def page_text(driver) -> str:  # type: ignore[no-untyped-def]
    return driver.find_element("tag name", "body").text


@pytest.mark.browser
def test_organizer_pages_of_a_show_b_nothing(world: Organizers, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    driver = browser(DESKTOP)
    log_in(driver, world.url, world.b_email)
    assert "Bravo Bingo Night" in page_text(driver)
    assert A_TITLE not in page_text(driver) and A_DRAFT_TITLE not in page_text(driver)
    for event in (world.a_event, world.a_draft):
        for page in (f"/dashboard/events/{event['id']}", f"/dashboard/events/{event['id']}/edit"):
            driver.get(f"{world.url}{page}")
            WebDriverWait(driver, 10).until(lambda d: "No such event" in page_text(d))
            shown = driver.page_source
            for secret in [*world.secrets_of_a, A_TITLE, event["tiers"][0]["name"]]:
                assert secret not in shown, (page, secret)
    # B's own dashboard still works after all that (the refusals did not end B's session).
    driver.get(f"{world.url}/dashboard/events/{world.b_event['id']}")
    WebDriverWait(driver, 10).until(lambda d: "Bravo Bingo Night" in page_text(d))


@pytest.mark.browser
def test_log_out_everywhere_on_the_account_page_ends_api_tokens_and_other_sessions(
    world: Organizers, browser: Any  # noqa: F811
) -> None:
    url = world.url
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        email, auth = sign_up(client, "Carla")
        event = create_event(client, auth, "Carla's Cabaret", publish=False)
        login = client.post("/auth/token", json={"email": email, "password": PASSWORD})
        second_token = bearer(login.json()["token"])
        for headers in (auth, second_token):
            assert client.get(f"/events/{event['id']}/staff", headers=headers).status_code == 200

        laptop, phone = browser(DESKTOP), browser(DESKTOP)
        log_in(laptop, url, email)
        log_in(phone, url, email)
        laptop.get(f"{url}/account")
        wait_testid(laptop, "logout-everywhere").click()
        WebDriverWait(laptop, 10).until(lambda d: "Logged out everywhere else" in page_text(d))

        for headers in (auth, second_token):
            response = client.get(f"/events/{event['id']}/staff", headers=headers)
            assert response.status_code == 401 and response.json()["error"] == "unauthorized"
            assert client.get(f"/events/{event['id']}", headers=headers).status_code == 404  # a draft again
        # The other browser's session is over; the one that pressed the button stays logged in.
        phone.get(f"{url}/dashboard")
        WebDriverWait(phone, 10).until(lambda d: "/login" in d.current_url)
        laptop.get(f"{url}/dashboard")
        WebDriverWait(laptop, 10).until(lambda d: "Hello, Carla" in page_text(d))
        # A fresh login gives a working token again.
        fresh = client.post("/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
        assert client.get(f"/events/{event['id']}/staff", headers=bearer(fresh)).status_code == 200
