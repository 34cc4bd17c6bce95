"""NiceGUI's websockets straight to its socket.io app, past the page middlewares.

Every open page holds one websocket, and every frame sent on it passed through each middleware's
`send` wrapper (Starlette's exception middleware, NiceGUI's session middleware, ...): with 2,000 live
pages, py-spy put ~30% of the server in those wrappers. None of them does anything for these frames:
the socket.io handshake reads only its query string, security headers belong to HTTP responses, and a
failing socket handler is caught by socket.io itself. Long-polling (plain HTTP) keeps the full stack."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

SOCKETS_PATH = "/_nicegui_ws"  # where NiceGUI mounts its socket.io app (nicegui/nicegui.py)


class LiveSockets:
    """The outermost ASGI app: websockets under SOCKETS_PATH go to `sockets`, everything else to `app`."""

    def __init__(self, app: ASGIApp, sockets: ASGIApp) -> None:
        self.app, self.sockets = app, sockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"].startswith(SOCKETS_PATH + "/"):
            # As Starlette's Mount would pass it: NiceGUI's app strips root_path from the path.
            scope = {**scope, "root_path": scope.get("root_path", "") + SOCKETS_PATH}
            await self.sockets(scope, receive, send)
        else:
            await self.app(scope, receive, send)
