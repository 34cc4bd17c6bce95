"""Any path no route answers: EventFlow's own "not found" page with HTTP 404.

It replaces NiceGUI's 404 handler and keeps its rule: a JSON route that raises 404 itself still
answers JSON; only paths that no page or route matches get the page.

Also the "busy" page: a page whose store calls outlast the store's retry budget under overload
(`StoreBusy`) answers 503 with Retry-After and a readable "try again in a moment" instead of an error."""

from __future__ import annotations

from fastapi.exception_handlers import http_exception_handler
from nicegui import Client, app, ui
from nicegui.page import page
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from eventflow.api.errors import domain_error_response
from eventflow.domain.errors import StoreBusy
from eventflow.i18n import _, error_text
from eventflow.pages.components.frame import frame, not_found
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


async def page_busy(request: Request, exception: Exception) -> Response:
    if not isinstance(exception, StoreBusy):
        raise exception  # registered for StoreBusy only
    if request.url.path.startswith("/api/"):  # a JSON route served by this app stays JSON
        return domain_error_response(exception)
    with Client(page(""), request=request) as client:
        with frame(_("Busy")):
            ui.label(_("Lots of people are here right now.")).classes("text-lg font-semibold")
            ui.label(error_text(exception)).classes("text-slate-600").props("data-testid=store-busy")
            ui.link(_("Try again"), str(request.url))
    response = client.build_response(request, 503)
    response.headers["Retry-After"] = str(exception.retry_after)
    return response


def register(services: Services) -> None:
    app.add_exception_handler(404, page_not_found)
    app.add_exception_handler(StoreBusy, page_busy)
