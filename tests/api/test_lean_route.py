"""LeanRoute (api/lean_route.py): a request-only endpoint is called as it is; anything FastAPI would solve keeps
FastAPI's handler, so the class never changes what a route does. The reservation route is documented as before."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient

from eventflow import api
from eventflow.api.lean_route import LeanRoute


async def request_only(request: Request) -> Response:
    return Response(request.path_params["item"], media_type="text/plain")


async def with_query(request: Request, q: int) -> Response:
    return Response(f"{request.path_params['item']}:{q}", media_type="text/plain")


def tagged() -> str:
    return "dep"


async def with_dependency(request: Request, tag: str = Depends(tagged)) -> Response:
    return Response(tag, media_type="text/plain")


def lean_app() -> tuple[FastAPI, dict[str, LeanRoute]]:
    router = APIRouter()
    for path, endpoint in (("/a/{item}", request_only), ("/b/{item}", with_query), ("/c/{item}", with_dependency)):
        router.add_api_route(path, endpoint, methods=["GET"], route_class_override=LeanRoute)
    app = FastAPI(routes=router.routes)
    routes = {route.path: route for route in router.routes if isinstance(route, LeanRoute)}
    return app, routes


def test_only_a_request_only_endpoint_skips_fastapis_handler() -> None:
    app, routes = lean_app()
    assert routes["/a/{item}"].get_route_handler() is request_only
    assert routes["/b/{item}"].get_route_handler() is not with_query
    assert routes["/c/{item}"].get_route_handler() is not with_dependency
    client = TestClient(app)
    assert client.get("/a/x").text == "x"
    assert client.get("/b/x?q=3").text == "x:3"
    assert client.get("/b/x?q=three").status_code == 422  # FastAPI still validates what it solves
    assert client.get("/c/x").text == "dep"


def test_the_reservation_route_is_lean_and_documented_as_before() -> None:
    route = next(r for r in api.router.routes if getattr(r, "path", "") == "/api/v1/events/{event_id}/reservations")
    assert isinstance(route, LeanRoute) and route.methods == {"POST"} and route.status_code == 201
    schema = FastAPI(routes=api.router.routes).openapi()
    operation = schema["paths"]["/api/v1/events/{event_id}/reservations"]["post"]
    assert "requestBody" in operation and "201" in operation["responses"]
    assert [p["name"] for p in operation["parameters"]] == ["event_id"]
