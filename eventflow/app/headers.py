"""Security headers on every HTTP response: pages, the JSON API, static files and the API docs.

A plain ASGI middleware on the root app (not Starlette's BaseHTTPMiddleware, which buffers bodies
and slows the API): it only adds headers to `http.response.start`, websockets pass untouched.

The pages' Content-Security-Policy is as strict as NiceGUI allows, and that is weaker than we would
like: NiceGUI renders each page with inline scripts whose content changes per page (so neither
nonces nor hashes can be added without rewriting its template) and compiles Vue templates in the
browser (`new Function`), so scripts need 'unsafe-inline' and 'unsafe-eval'. What the policy still
buys: no script, style, image, font, frame or connection from another origin; no <object>/<embed>;
no <base> rewriting; forms post only to us; no framing (clickjacking).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages (NiceGUI): see the module docstring for why scripts keep 'unsafe-inline' and 'unsafe-eval'.
# ws:/wss: to our own host only: older Safari does not count websockets as 'self'.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'{websockets}; media-src 'self' blob:; "
    "worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors {ancestors}"
)
# The JSON API never serves anything a browser should run or embed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# /docs and /redoc: Swagger UI / ReDoc served from the installed `fastapi-offline` package under
# /docs/assets (app/wiring.py), so they work without internet; their start-up script is inline.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts under the domain are not ours to decide
# The embeddable ticket widget (pages/embed.py) lives inside organizers' own sites, whichever they
# are: its paths get no X-Frame-Options and `frame-ancestors *` (any http/https site). Nothing else is
# frameable. Clickjacking it gains nothing: its button only opens checkout in a new tab, where the
# buyer sees everything before paying.
FRAMEABLE_PATHS: tuple[str, ...] = ("/embed/",)
EMBED_FRAME_ANCESTORS: tuple[str, ...] = ("*",)


class SecurityHeaders:
    """Adds the security headers to every HTTP response of `app` (existing headers of the same
    name are left alone, so a route can still set its own)."""

    def __init__(self, app: ASGIApp, base_url: str, frameable: Iterable[str] = FRAMEABLE_PATHS,
                 frame_ancestors: Iterable[str] = EMBED_FRAME_ANCESTORS) -> None:
        self.app = app
        self.frameable = tuple(frameable)
        parts = urlsplit(base_url)
        https = parts.scheme == "https"
        websockets = f" {'wss' if https else 'ws'}://{parts.netloc}" if parts.netloc else ""
        common = [(b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"strict-origin-when-cross-origin")]
        if https:
            common.append((b"strict-transport-security", HSTS.encode()))
        no_framing = [(b"x-frame-options", b"DENY")]

        def policy(text: str) -> list[tuple[bytes, bytes]]:
            return [(b"content-security-policy", text.encode())]

        self.page = common + no_framing + policy(PAGE_POLICY.format(websockets=websockets, ancestors="'none'"))
        self.framed_page = common + policy(PAGE_POLICY.format(
            websockets=websockets, ancestors=" ".join(frame_ancestors) or "'none'"))
        self.api = common + no_framing + policy(API_POLICY)
        self.docs = common + no_framing + policy(DOCS_POLICY)

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        if path.startswith("/api/"):
            return self.api
        if path in DOCS_PATHS or path.startswith("/docs/"):
            return self.docs
        if self.frameable and path.startswith(self.frameable):
            return self.framed_page
        return self.page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
