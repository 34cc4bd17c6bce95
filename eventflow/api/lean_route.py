"""A FastAPI route class for the hottest routes: the endpoint is called with the request and nothing else.

FastAPI's request handler, for every request, works out the endpoint's error context, reads the body
its parameters declare (none here), solves the dependencies (a pass over query, headers and cookies
even when there are none to solve) and wraps the call in its telemetry: ~10 µs of a reservation's
server CPU. A route whose endpoint takes only `request: Request`, has no dependencies (its own or its
router's) and returns a `Response` needs none of it. `LeanRoute` gives such an endpoint to Starlette's
request/response cycle as it is (FastAPI's exception handling, middleware and OpenAPI documentation
unchanged); any other endpoint is handled by FastAPI's own handler, so using the class can never
change what a route does, only what it costs. Used with `route_class_override` on one route."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class LeanRoute(APIRoute):
    """An `APIRoute` whose request-only endpoint is called directly (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        if not self._request_only():
            return super().get_route_handler()
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint

    def _request_only(self) -> bool:
        """The endpoint is `async`, takes the request and no parameter or dependency FastAPI would solve."""
        dependant = self.dependant
        solved = (dependant.path_params, dependant.query_params, dependant.header_params,
                  dependant.cookie_params, dependant.body_params, dependant.dependencies)
        extras = (dependant.websocket_param_name, dependant.http_connection_param_name,
                  dependant.response_param_name, dependant.background_tasks_param_name,
                  dependant.security_scopes_param_name)
        return (dependant.request_param_name is not None and not any(solved) and all(x is None for x in extras)
                and self.body_field is None and inspect.iscoroutinefunction(self.endpoint))
