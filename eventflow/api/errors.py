"""How the API says no: every error leaves as `{"error": code, "detail": text}` with a 4xx status
(or 503 `store_busy`, with Retry-After, when the store is overloaded).

Domain errors carry their own status and code; request validation, malformed JSON, unknown paths
and wrong methods are translated here, so no route answers with FastAPI's or the web app's defaults."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from eventflow.domain.errors import DomainError, MethodNotAllowed, NotFound, StoreBusy


class ErrorOut(BaseModel):
    error: str
    detail: Any


# The error replies every route documents in the OpenAPI schema.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 404, 409, 422)
}


def error_response(status: int, code: str, detail: Any) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def domain_error_response(exc: DomainError) -> JSONResponse:
    response = error_response(exc.status, exc.code, exc.detail)
    if isinstance(exc, StoreBusy):  # overload: tell clients when a retry has a fair chance
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON")
        detail = [
            {"field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
             "message": error.get("msg", "invalid")}
            for error in errors
        ]
        return error_response(422, "validation_error", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {405: "method_not_allowed", 404: "not_found"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, exc.detail)


def add_unknown_route(router: APIRouter) -> None:
    """The catch-all, added last: unknown API paths answer in JSON, not with the web app's HTML page."""

    @router.api_route("/{unknown:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                      include_in_schema=False)
    def unknown_route(unknown: str, request: Request) -> None:
        for route in router.routes:
            if route is not request.scope.get("route") and route.matches(request.scope)[0] is Match.PARTIAL:
                raise MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        raise NotFound(f"No API route /api/v1/{unknown}")
