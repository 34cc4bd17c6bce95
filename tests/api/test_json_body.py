"""`json_body` (the reservation route's one-pass body reader) answers exactly as a FastAPI body parameter.

Two apps side by side, with the API's error handlers: one declares the body as a parameter (what
FastAPI does), the other reads it with `json_body`. Every body and content type below must get the
same status and the same JSON from both; and the reader's OpenAPI entry documents the same body."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from eventflow.api.buying import ReservationIn
from eventflow.api.errors import install_error_handlers
from eventflow.api.schemas import documented_body, json_body

GOOD = b'{"lines": [{"tier_id": "t1", "quantity": 2}], "buyer": {"email": "a@example.com", "name": "A"}}'


def make_apps() -> tuple[TestClient, TestClient]:
    declared, read = FastAPI(), FastAPI()
    install_error_handlers(declared)
    install_error_handlers(read)

    @declared.post("/r")
    async def by_parameter(body: ReservationIn) -> dict[str, Any]:
        return body.model_dump()

    @read.post("/r", openapi_extra=documented_body(ReservationIn))
    async def by_reader(request: Request) -> dict[str, Any]:
        return (await json_body(request, ReservationIn)).model_dump()

    return TestClient(declared), TestClient(read)


DECLARED, READ = make_apps()

BODIES: list[tuple[bytes, str | None]] = [
    (GOOD, "application/json"),
    (GOOD, "application/json; charset=utf-8"),
    (GOOD, "application/vnd.eventflow+json"),
    (GOOD, "text/plain"),
    (GOOD, None),
    (b"", "application/json"),
    (b"null", "application/json"),
    (b"[]", "application/json"),
    (b"{not json", "application/json"),
    (b"\xff", "application/json"),
    (GOOD.decode().encode("utf-16"), "application/json"),
    (b'{"lines": "x", "buyer": 1}', "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1.5}], "buyer": {"email": "a", "name": "b"}}', "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": "2"}], "buyer": {"email": "a", "name": "b"}}', "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": true}], "buyer": {"email": "a", "name": "b"}}', "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": NaN}], "buyer": {"email": "a", "name": "b"}}', "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1}], "buyer": {"email": "a", "name": "b"}, "x": Infinity}',
     "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 10000000000000000000000000000}],'
     b' "buyer": {"email": "a", "name": "b"}}', "application/json"),
    (b'{"lines": [], "buyer": {"email": "a", "name": "b"}, "extra": 1}', "application/json"),
    (b'{"lines": [{"tier_id": "' + b"t" * 65 + b'", "quantity": 1}], "buyer": {"email": "a", "name": "b"}}',
     "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1}], "buyer": {"email": "a", "name": "\\ud800"}}',
     "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1}], "lines": [], "buyer": {"email": "a", "name": "b"}}',
     "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1}], "buyer": {"email": "a", "name": "b"}} trailing',
     "application/json"),
    (b'{"lines": [{"tier_id": "t1", "quantity": 1}], "buyer": {"email": "a", "name": "b"}, '
     b'"idempotency_key": null}', "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), BODIES)
def test_the_reader_answers_as_a_body_parameter(body: bytes, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    expected = DECLARED.post("/r", content=body, headers=headers)
    answered = READ.post("/r", content=body, headers=headers)
    assert (answered.status_code, answered.json()) == (expected.status_code, expected.json())
    assert expected.status_code < 500


def test_the_reader_documents_the_same_request_body() -> None:
    declared = DECLARED.get("/openapi.json").json()
    read = READ.get("/openapi.json").json()
    body = read["paths"]["/r"]["post"]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    components = declared["components"]["schemas"]
    # FastAPI lists the parameter's model in components; the reader inlines the same schema.
    assert schema["properties"]["buyer"] == components["BuyerIn"]
    assert schema["properties"]["lines"]["items"] == components["LineIn"]
    assert {key: value for key, value in schema.items() if key != "properties"} == {
        key: value for key, value in components["ReservationIn"].items() if key != "properties"}
    assert "$ref" not in str(schema)


def test_the_reservation_route_documents_its_body_and_path_parameter_as_fastapi_would() -> None:
    from eventflow import api

    app = FastAPI()
    app.router.routes.extend(api.router.routes)
    operations = app.openapi()["paths"]
    reserve = operations["/api/v1/events/{event_id}/reservations"]["post"]
    event = operations["/api/v1/events/{event_id}"]["get"]
    assert reserve["parameters"] == [p for p in event["parameters"] if p["name"] == "event_id"]
    declared = DECLARED.get("/openapi.json").json()["components"]["schemas"]["ReservationIn"]
    schema = reserve["requestBody"]["content"]["application/json"]["schema"]
    assert reserve["requestBody"]["required"] is True
    assert schema["properties"]["idempotency_key"] == declared["properties"]["idempotency_key"]
    assert schema["required"] == declared["required"] and schema["title"] == "ReservationIn"
    assert reserve["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReservationOut"}
    assert {"404", "409", "422"} <= set(reserve["responses"])
