"""The socket-free door modules (eventflow/static) and how pages embed them.

The scanner and the wallet run in plain JavaScript modules that need no websocket; NiceGUI
pages mount them as a custom component, and a service worker serves static copies of the same
pages when the device reloads with no network."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.responses import FileResponse
from nicegui import app, ui
from nicegui.element import Element

STATIC = Path(__file__).resolve().parents[2] / "static"
ZXING = Path(str(files("nicegui_scanner") / "static" / "zxing.min.js"))


def install_door_assets() -> None:
    """Serve /door/* (modules, offline pages, icons, ZXing) and the service worker at /door-sw.js."""
    app.add_static_file(local_file=ZXING, url_path="/door/zxing.min.js")  # before the folder mount
    app.add_static_files("/door", STATIC)

    @app.get("/door-sw.js", include_in_schema=False)
    def service_worker() -> FileResponse:
        # Served from the root so its scope covers /scan/ and /t/; never cached, so updates land.
        return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


def add_door_head(*modules: str) -> None:
    """Load the modules before the page's components mount, and register the service worker."""
    scripts = "".join(f'<script src="/door/{name}.js"></script>' for name in ("door", *modules))
    ui.add_head_html(
        '<link rel="manifest" href="/door/app.webmanifest">'
        '<meta name="theme-color" content="#5b21b6">'
        '<link rel="apple-touch-icon" href="/door/icon-192.png">'
        '<link rel="stylesheet" href="/door/door.css">'
        '<script src="/door/zxing.min.js"></script>' + scripts +
        "<script>if ('serviceWorker' in navigator) navigator.serviceWorker.register('/door-sw.js', {scope: '/'})"
        ".catch(() => {});</script>"
    )


class DoorModule(Element, component="../../static/door_mount.js"):
    """Mounts `window[module]` (EventFlowScanner or EventFlowWallet) on this element."""

    def __init__(self, module: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._props["module"] = module
        self._props["options"] = options
