"""The public JSON API over real HTTP against the running app: contract paths, fields, statuses."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

EVENT = {
    "title": "Club Night",
    "starts_at": "2026-12-12T23:00:00+01:00",
    "ends_at": "2026-12-13T05:00:00+01:00",
    "timezone": "Europe/Berlin",
    "venue": "Basement",
    "currency": "EUR",
    "description": "Techno until late",
    "fee_mode": "buyer_pays",
}
BUYER = {"email": "buyer@example.com", "name": "Bea Buyer"}


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def organizer(api: httpx.Client) -> dict[str, str]:
    response = api.post("/auth/signup", json={
        "email": f"org-{secrets.token_hex(4)}@example.com", "password": "long enough", "name": "Org",
    })
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def published_event(api: httpx.Client, capacities: tuple[int, ...] = (100, 5)) -> tuple[dict[str, Any], dict]:
    auth = organizer(api)
    event = api.post("/events", json=EVENT, headers=auth).json()
    for n, capacity in enumerate(capacities):
        response = api.post(f"/events/{event['id']}/tiers", headers=auth, json={
            "name": f"Tier {n}", "price_minor": 1500 * (n + 1), "capacity": capacity, "max_per_order": 4,
        })
        assert response.status_code == 201, response.text
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    return api.get(f"/events/{event['id']}").json(), auth


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    if code:
        assert body["error"] == code


def test_health(api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok"}


def test_signup_then_login_returns_a_working_token(api: httpx.Client) -> None:
    email = f"login-{secrets.token_hex(4)}@example.com"
    created = api.post("/auth/signup", json={"email": email, "password": "long enough", "name": "L"})
    assert created.status_code == 201
    assert set(created.json()) >= {"organizer_id", "token"}
    assert_error(api.post("/auth/signup", json={"email": email, "password": "long enough", "name": "L"}),
                 409, "email_taken")
    login = api.post("/auth/token", json={"email": email.upper(), "password": "long enough"})
    assert login.status_code == 200
    token = login.json()["token"]
    event = api.post("/events", json=EVENT, headers={"Authorization": f"Bearer {token}"})
    assert event.status_code == 201
    wrong = api.post("/auth/token", json={"email": email, "password": "wrong one!"})
    assert_error(wrong, 401, "unauthorized")


def test_organizer_routes_need_a_valid_token(api: httpx.Client) -> None:
    assert_error(api.post("/events", json=EVENT), 401)
    assert_error(api.post("/events", json=EVENT, headers={"Authorization": "Bearer nonsense"}), 401)
    assert_error(api.post("/events", json=EVENT, headers={"Authorization": "Basic abc"}), 401)


def test_create_event_tiers_publish_and_read_it(api: httpx.Client) -> None:
    auth = organizer(api)
    created = api.post("/events", json=EVENT, headers=auth)
    assert created.status_code == 201
    event = created.json()
    assert event["status"] == "draft" and event["slug"].startswith("club-night")
    assert_error(api.get(f"/events/{event['id']}"), 404)  # drafts are private
    assert api.get(f"/events/{event['id']}", headers=auth).status_code == 200
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "GA", "price_minor": 1800, "capacity": 200})
    assert tier.status_code == 201
    assert tier.json()["fee_minor"] == 45 + 30 and tier.json()["total_minor"] == 1875
    hidden = api.post(f"/events/{event['id']}/tiers", headers=auth,
                      json={"name": "Crew", "price_minor": 0, "capacity": 20, "hidden": True})
    assert hidden.status_code == 201
    published = api.post(f"/events/{event['id']}/publish", headers=auth)
    assert published.json()["status"] == "published"
    public = api.get(f"/events/{event['id']}").json()
    assert [(t["name"], t["price_minor"], t["capacity"], t["available"]) for t in public["tiers"]] == [
        ("GA", 1800, 200, 200)
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2026-12-12T23:00:00"}, "starts_at"),  # no timezone
        ({"currency": 978}, "currency"),
        ({"fee_mode": "free_lunch"}, "fee_mode"),
        ({"title": None}, "title"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_event_fields_are_named_in_a_422(api: httpx.Client, change: dict, field: str) -> None:
    response = api.post("/events", json={**EVENT, **change}, headers=organizer(api))
    assert_error(response, 422, "validation_error")
    assert field in {item["field"] for item in response.json()["detail"]}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "GA", "price_minor": -1, "capacity": 10},
        {"name": "GA", "price_minor": 12.5, "capacity": 10},
        {"name": "GA", "price_minor": "100", "capacity": 10},
        {"name": "GA", "price_minor": 100, "capacity": 0},
        {"name": "GA", "price_minor": 100, "capacity": 10**20},
        {"name": "", "price_minor": 100, "capacity": 10},
        {"name": "GA", "price_minor": 100, "capacity": 10, "sales_start": "2026-01-02T00:00:00Z",
         "sales_end": "2026-01-01T00:00:00Z"},
    ],
)
def test_bad_tiers_are_refused(api: httpx.Client, body: dict) -> None:
    auth = organizer(api)
    event = api.post("/events", json=EVENT, headers=auth).json()
    assert_error(api.post(f"/events/{event['id']}/tiers", json=body, headers=auth), 422)


def test_another_organizers_event_is_not_found(api: httpx.Client) -> None:
    event, _ = published_event(api)
    intruder = organizer(api)
    tier = {"name": "Free for me", "price_minor": 0, "capacity": 999}
    assert_error(api.post(f"/events/{event['id']}/tiers", json=tier, headers=intruder), 404)
    assert_error(api.post(f"/events/{event['id']}/publish", headers=intruder), 404)


def test_reserve_and_cancel_move_live_availability(api: httpx.Client) -> None:
    event, _ = published_event(api)
    tier = event["tiers"][0]
    response = api.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": tier["id"], "quantity": 3}], "buyer": BUYER,
    })
    assert response.status_code == 201, response.text
    reservation = response.json()
    assert set(reservation) >= {"id", "expires_at", "lines", "subtotal_minor", "fee_minor", "total_minor",
                                "currency"}
    assert reservation["subtotal_minor"] == 4500
    assert reservation["fee_minor"] == 3 * (38 + 30)  # 37.5 -> 38
    assert reservation["total_minor"] == 4500 + 204
    assert reservation["currency"] == "EUR"
    assert api.get(f"/events/{event['id']}").json()["tiers"][0]["available"] == 97
    cancelled = api.delete(f"/reservations/{reservation['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.get(f"/events/{event['id']}").json()["tiers"][0]["available"] == 100
    assert api.delete(f"/reservations/{reservation['id']}").status_code == 200  # cancel is idempotent
    assert_error(api.delete("/reservations/res_doesnotexist"), 404)


def test_last_tickets_then_sold_out_409(api: httpx.Client) -> None:
    event, _ = published_event(api, capacities=(100, 5))
    small = event["tiers"][1]
    url = f"/events/{event['id']}/reservations"

    def hold(quantity: int) -> httpx.Response:
        return api.post(url, json={"lines": [{"tier_id": small["id"], "quantity": quantity}], "buyer": BUYER})

    assert hold(4).status_code == 201
    assert_error(hold(2), 409, "sold_out")
    assert hold(1).status_code == 201
    tiers = api.get(f"/events/{event['id']}").json()["tiers"]
    assert tiers[1]["available"] == 0 and tiers[1]["sold_out"] is True


def test_idempotency_key_returns_the_same_hold(api: httpx.Client) -> None:
    event, _ = published_event(api)
    body = {"lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 2}], "buyer": BUYER,
            "idempotency_key": "checkout-42"}
    first = api.post(f"/events/{event['id']}/reservations", json=body).json()
    second = api.post(f"/events/{event['id']}/reservations", json=body).json()
    assert first["id"] == second["id"]
    assert api.get(f"/events/{event['id']}").json()["tiers"][0]["available"] == 98


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([{"tier_id": "TIER0", "quantity": 0}], 422),
        ([{"tier_id": "TIER0", "quantity": -3}], 422),
        ([{"tier_id": "TIER0", "quantity": 10**40}], 422),
        ([{"tier_id": "TIER0", "quantity": "2"}], 422),
        ([{"tier_id": "TIER0", "quantity": 1.5}], 422),
        ([{"tier_id": "TIER0", "quantity": 5}], 422),  # over max_per_order (4)
        ([{"tier_id": "tier_unknown", "quantity": 1}], 422),
        ([], 422),
        ([{"tier_id": "TIER0"}], 422),
    ],
)
def test_bad_reservations_are_4xx_and_hold_nothing(api: httpx.Client, lines: list, status: int) -> None:
    event, _ = published_event(api)
    tier_id = event["tiers"][0]["id"]
    lines = [{**line, "tier_id": tier_id} if line.get("tier_id") == "TIER0" else line for line in lines]
    response = api.post(f"/events/{event['id']}/reservations", json={"lines": lines, "buyer": BUYER})
    assert_error(response, status)
    assert api.get(f"/events/{event['id']}").json()["tiers"][0]["available"] == 100


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"{not json", "malformed_json"), (b"", "validation_error"), (b"[]", "validation_error"),
     (b'{"lines": "x", "buyer": 1}', "validation_error"), ("\u00ff".encode("latin-1"), None)],
)
def test_malformed_bodies_are_4xx(api: httpx.Client, content: bytes, code: str | None) -> None:
    event, _ = published_event(api)
    response = api.post(f"/events/{event['id']}/reservations", content=content,
                        headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"error", "detail"}
    if code:
        assert response.json()["error"] == code


def test_unknown_ids_and_routes_are_json_404s(api: httpx.Client) -> None:
    assert_error(api.get("/events/evt_nope"), 404, "not_found")
    assert_error(api.post("/events/evt_nope/reservations",
                          json={"lines": [{"tier_id": "t", "quantity": 1}], "buyer": BUYER}), 404)
    assert_error(api.get("/no/such/route"), 404, "not_found")
    assert_error(api.put("/health"), 405, "method_not_allowed")


def test_openapi_documents_the_contract(app_url: str) -> None:
    spec = httpx.get(f"{app_url}/openapi.json").json()
    for path in ["/api/v1/health", "/api/v1/auth/signup", "/api/v1/auth/token", "/api/v1/events",
                 "/api/v1/events/{event_id}/tiers", "/api/v1/events/{event_id}/publish",
                 "/api/v1/events/{event_id}", "/api/v1/events/{event_id}/reservations",
                 "/api/v1/reservations/{reservation_id}"]:
        assert path in spec["paths"], path
    assert httpx.get(f"{app_url}/docs").status_code == 200


def test_wallet_and_scanner_can_be_installed_and_work_offline(app_url: str) -> None:
    """Add to home screen needs a web app manifest with icons; offline needs the service worker."""
    manifest = httpx.get(f"{app_url}/door/app.webmanifest").json()
    # issue 17: opens on My tickets
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/my-tickets"
    for icon in manifest["icons"]:
        image = httpx.get(f"{app_url}{icon['src']}")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    worker = httpx.get(f"{app_url}/door-sw.js")
    assert worker.status_code == 200 and "no-cache" in worker.headers["cache-control"]
    for path in ("/door/offline-scan.html", "/door/offline-ticket.html", "/door/zxing.min.js",
                 "/door/scanner.js", "/door/wallet.js", "/door/door.js"):
        assert httpx.get(f"{app_url}{path}").status_code == 200, path
