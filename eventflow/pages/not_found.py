"""Any path no route answers: EventFlow's own "not found" page with HTTP 404.

It replaces NiceGUI's 404 handler and keeps its rule: a JSON route that raises 404 itself still
answers JSON; only paths that no page or route matches get the page."""

from __future__ import annotations

from fastapi.exception_handlers import http_exception_handler
from nicegui import Client, app
from nicegui.page import page
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from eventflow.pages.components.frame import not_found
from eventflow.services import Services


async def page_not_found(request: Request, exception: Exception) -> Response:
    endpoint = request.scope.get("endpoint")
    # Under `ui.run_with` the parent's mount sets endpoint=app even when no inner route matched.
    if endpoint is not None and endpoint is not app and not request.scope.get("nicegui_page_path") \
            and isinstance(exception, HTTPException):
        return await http_exception_handler(request, exception)
    with Client(page(""), request=request) as client:
        not_found()
    return client.build_response(request, 404)


def register(services: Services) -> None:
    app.add_exception_handler(404, page_not_found)
