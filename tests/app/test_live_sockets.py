"""The pages' websockets go straight to NiceGUI's socket.io app, with the path it expects; everything else
(HTTP, long-polling, other websockets) still passes the root app and its middlewares."""

from __future__ import annotations

import asyncio
from typing import Any

from eventflow.app.live_sockets import LiveSockets


def route(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def recorder(name: str):
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append((name, scope))
        return app

    asyncio.run(LiveSockets(recorder("root"), recorder("sockets"))(scope, None, None))  # type: ignore[arg-type]
    [(name, passed)] = seen
    return name, passed


def test_a_page_websocket_skips_the_middlewares_with_the_mount_path_as_root_path() -> None:
    name, scope = route({"type": "websocket", "path": "/_nicegui_ws/socket.io/", "root_path": ""})
    assert (name, scope["root_path"], scope["path"]) == ("sockets", "/_nicegui_ws", "/_nicegui_ws/socket.io/")


def test_long_polling_other_websockets_and_pages_take_the_full_stack() -> None:
    assert route({"type": "http", "path": "/_nicegui_ws/socket.io/", "root_path": ""})[0] == "root"
    assert route({"type": "websocket", "path": "/_nicegui_wsx/socket.io/", "root_path": ""})[0] == "root"
    assert route({"type": "http", "path": "/e/summer", "root_path": ""})[0] == "root"
    assert route({"type": "lifespan"})[0] == "root"
