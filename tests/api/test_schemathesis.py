"""Schemathesis over the app's own OpenAPI (/openapi.json of a real server): no input is a 5xx.

Every operation, public and organizer alike, gets a bounded number of generated requests from a
real server over HTTP, in three kinds:
- valid requests as generated (random ids: mostly the 404 paths);
- valid requests about the seeded event: its real ids in the path and the ticket key in the query,
  and body fields that must name something real or known (tier, order, ticket, timezone, currency,
  e-mail) set to real values, so the rest of the generated body reaches the rules behind them;
- invalid requests (where the operation takes a body or a query to get wrong).
Organizer operations carry a seeded organizer's bearer token and door operations that event's
staff token. The one check is `not_a_server_error`: anything may be refused (4xx), nothing may
break. Every distinct 5xx of an operation is collected (not just the first) and reported as curl.

Two servers of this module's own (they get random writes): one with demo payments for every
operation, one with Stripe configured (the local Stripe stand-in) for the payment operations,
which answer 404 without it. Schemathesis' pytest plugin (`from_fixture`) does not run under
pytest 9, so each operation is one parametrized test driving `operation.as_strategy()` itself.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode

from eventflow import api
from eventflow.api.deps import current_staff
from tests.api.test_authorization import _routes_using, bearer, buy, create_event, sign_up
from tests.server import free_port, running_app
from tests.stripe_fake import FakeStripe

# Requests per operation and kind; about 30 operations keep the module within a minute or so.
EXAMPLES = {"generated": 10, "seeded": 20, "invalid": 10}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

# DELETEs last: they revoke and cancel what the other operations' seeded requests use.
OPERATIONS = sorted(((method, route.path) for route in api.router.routes
                     if isinstance(route, APIRoute) and route.include_in_schema for method in route.methods or ()),
                    key=lambda op: (op[0] == "DELETE", op[1], op[0]))
PAYMENT_OPERATIONS = [op for op in OPERATIONS
                      if any(part in op[1] for part in ("/payments/", "/refunds", "/ledger", "/checkout", "/stripe/"))]
STAFF_OPERATIONS = {(method, f"{api.router.prefix}{path}") for method, path in _routes_using(current_staff)}


@dataclass
class Seeded:
    """A real organizer, a published event with a paid order, a held reservation and door staff."""

    url: str
    organizer: dict[str, str]
    staff: dict[str, str]
    values: dict[str, str]  # parameter or body field name -> a real value of it
    event_page: str  # the seeded event's public page

    def headers(self, method: str, path: str) -> dict[str, str]:
        return self.staff if (method, path) in STAFF_OPERATIONS else self.organizer


Pay = Callable[[httpx.Client, dict[str, Any], dict[str, str]], dict[str, Any]]  # (client, event, organizer) -> paid


def seed(url: str, pay: Pay, onboard: Callable[[httpx.Client, dict[str, str]], None] | None = None) -> Seeded:
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        _, organizer = sign_up(client, "Fuzzy")
        if onboard:  # with Stripe, paid tiers are published only once the organizer can take payments
            onboard(client, organizer)
        event = create_event(client, organizer, "Schema Night", publish=True)
        paid = pay(client, event, organizer)
        held = client.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 1}],
            "buyer": {"name": "Hal Holder", "email": "hal@example.com"}})
        assert held.status_code == 201, held.text
        staff, spare = (client.post(f"/events/{event['id']}/staff", json={"label": label}, headers=organizer)
                        for label in ("Fuzz door", "Spare door"))
        assert staff.status_code == spare.status_code == 201, (staff.text, spare.text)
    ticket = paid["tickets"][0]
    values = {"event_id": event["id"], "reservation_id": held.json()["id"], "ticket_id": ticket["ticket_id"],
              "key": ticket["key"], "staff_id": spare.json()["staff_id"],  # DELETE revokes the spare one
              "tier_id": event["tiers"][0]["id"], "order_id": paid["order_id"],
              "timezone": "Europe/Berlin", "currency": "EUR"}
    return Seeded(url, organizer, bearer(staff.json()["token"]), values, f"/e/{event['slug']}")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    with running_app(tmp_path_factory.mktemp("schemathesis")) as url:
        yield seed(url, lambda client, event, _: buy(client, event, ("Pat Payer", "pat@example.com")))


def onboard_at(fake: FakeStripe) -> Callable[[httpx.Client, dict[str, str]], None]:
    def onboard(client: httpx.Client, organizer: dict[str, str]) -> None:
        account = client.post("/payments/onboarding", headers=organizer).json()["account_id"]
        fake.complete_onboarding(account)  # account.updated, delivered over HTTP by the stand-in
        wait(lambda: client.get("/payments/account", headers=organizer).json()["charges_enabled"])

    return onboard


def pay_by_card(fake: FakeStripe) -> Pay:
    """Buy two tickets by card at the Stripe stand-in (the webhook arrives over HTTP)."""
    def pay(client: httpx.Client, event: dict[str, Any], organizer: dict[str, str]) -> dict[str, Any]:
        held = client.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 2}],
            "buyer": {"name": "Cara Card", "email": "cara@example.com"}}).json()
        checkout = client.post(f"/reservations/{held['id']}/checkout").json()
        fake.pay(checkout["payment_url"].rsplit("/", 1)[-1])
        wait(lambda: client.get(f"/reservations/{held['id']}").json()["status"] == "confirmed")
        paid = client.post(f"/reservations/{held['id']}/checkout").json()  # a paid one answers with its tickets
        assert paid["status"] == "paid", paid
        return dict(paid)

    return pay


@pytest.fixture(scope="module")
def card_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    port = free_port()
    with FakeStripe() as fake:
        fake.webhook_target = f"http://127.0.0.1:{port}/api/v1/stripe/webhook"
        fake.auto_deliver = True
        env = {"EVENTFLOW_BASE_URL": f"http://127.0.0.1:{port}", "EVENTFLOW_STRIPE_SECRET_KEY": "sk_test_fuzz",
               "EVENTFLOW_STRIPE_WEBHOOK_SECRET": fake.webhook_secret, "EVENTFLOW_STRIPE_API_BASE": fake.url,
               "EVENTFLOW_STRIPE_TIMEOUT_SECONDS": "5"}
        with running_app(tmp_path_factory.mktemp("schemathesis-card"), port=port, **env) as url:
            yield seed(url, pay_by_card(fake), onboard_at(fake))


def wait(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the seeded payment did not settle"
        time.sleep(0.1)


# ------------------------------------------------------------------ the runs
def with_real_values(body: Any, values: dict[str, str]) -> Any:
    """The body with every field that must name something real or known set to a real value."""
    if isinstance(body, list):
        return [with_real_values(item, values) for item in body]
    if not isinstance(body, dict):
        return body
    real = dict(body)
    for name, value in body.items():
        if name in values and isinstance(value, str):
            real[name] = values[name]
        elif name == "email" and isinstance(value, str):  # a fresh, well-formed address per generated value
            real[name] = f"fuzz-{zlib.crc32(value.encode())}@example.com"
        elif name == "ticket_ids" and isinstance(value, list):
            real[name] = [values["ticket_id"]]
        else:
            real[name] = with_real_values(value, values)
    return real


def strategies(operation: Any, seeded: Seeded) -> dict[str, SearchStrategy[schemathesis.Case]]:
    names = {parameter.name for parameter in operation.path_parameters}
    real_path = {name: value for name, value in seeded.values.items() if name in names}
    real_query = {"key": seeded.values["key"]} if any(p.name == "key" for p in operation.query) else None

    def about_the_seeded_event(case: schemathesis.Case) -> schemathesis.Case:
        if isinstance(case.body, dict | list):
            case.body = with_real_values(case.body, seeded.values)
        return case

    chosen = {
        "generated": operation.as_strategy(),
        "seeded": operation.as_strategy(path_parameters=real_path, query=real_query).map(about_the_seeded_event),
    }
    if len(operation.body) or len(operation.query):  # any string is a valid path id: nothing to make invalid
        chosen["invalid"] = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    return chosen


def run(strategy: SearchStrategy[schemathesis.Case], examples: int, call: Callable[[schemathesis.Case], None]) -> None:
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def requests(case: schemathesis.Case) -> None:
        call(case)

    requests()


def assert_no_server_errors(schema: Any, seeded: Seeded, method: str, path: str) -> None:
    operation = schema[path][method]
    headers = seeded.headers(method, path)
    server_errors: dict[tuple[int, str], str] = {}  # (status, first line of the answer) -> one input

    def call(case: schemathesis.Case) -> None:
        response = case.call(base_url=seeded.url, headers=headers, timeout=10)
        if response.status_code >= 500:
            lines = response.text.strip().splitlines()
            server_errors.setdefault((response.status_code, lines[0][:160] if lines else ""),
                                     case.as_curl_command(headers=headers, base_url=seeded.url))

    for kind, strategy in strategies(operation, seeded).items():
        run(strategy, EXAMPLES[kind], call)
    assert not server_errors, f"{method} {path} answered 5xx:\n" + "\n".join(
        f"  {status} {answer!r}\n    {curl}" for (status, answer), curl in server_errors.items())


def openapi_of(seeded: Seeded) -> Any:
    return schemathesis.openapi.from_url(f"{seeded.url}/openapi.json")


@pytest.fixture(scope="module")
def demo_schema(demo_server: Seeded) -> Any:
    return openapi_of(demo_server)


@pytest.fixture(scope="module")
def card_schema(card_server: Seeded) -> Any:
    return openapi_of(card_server)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_input_is_a_server_error(demo_schema: Any, demo_server: Seeded, method: str, path: str) -> None:
    assert_no_server_errors(demo_schema, demo_server, method, path)


@pytest.mark.parametrize(("method", "path"), PAYMENT_OPERATIONS, ids=[f"{m} {p}" for m, p in PAYMENT_OPERATIONS])
def test_no_input_is_a_server_error_with_stripe(card_schema: Any, card_server: Seeded, method: str, path: str) -> None:
    assert_no_server_errors(card_schema, card_server, method, path)


def test_every_operation_of_the_served_openapi_is_walked(demo_schema: Any) -> None:
    served = {(operation.method.upper(), operation.path) for result in demo_schema.get_all_operations()
              for operation in [result.ok()]}
    assert served == set(OPERATIONS)
    assert ("POST", "/api/v1/events/{event_id}/checkin/scan") in STAFF_OPERATIONS  # the staff token's routes
    assert len(PAYMENT_OPERATIONS) >= 8  # refunds, ledger, account, onboarding, payouts, checkout, webhook


def test_after_all_that_the_public_site_still_answers(demo_schema: Any, demo_server: Seeded) -> None:
    """Runs last: whatever the fuzzing stored (odd dates, names, tiers on the seeded event), the home
    page, the event's page and its reads still answer; one organizer's input cannot take them down."""
    event_id = demo_server.values["event_id"]
    with httpx.Client(base_url=demo_server.url, timeout=10, headers=demo_server.organizer) as client:
        for path in ("/", demo_server.event_page, f"/api/v1/events/{event_id}",
                     f"/api/v1/events/{event_id}/orders.csv"):
            assert client.get(path).status_code == 200, path
