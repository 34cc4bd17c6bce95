"""A local HTTP stand-in of the OpenAI API (chat completions with structured output, image generation),
driven by the real `openai` SDK in the flyer tests. Each request takes the next scripted behaviour:
"ok", "429" (Retry-After: 0), "slow" (answers after the client's timeout), "refusal", "invalid" (JSON
that is not the schema), "policy" (400 content_policy_violation); when the script is empty, "ok"."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

COPY = {
    "image_prompt": "Warm abstract brass instruments in soft light, no text",
    "instagram": ["AI insta 1 #Jazz", "AI insta 2", "AI insta 3"],
    "x": ["AI x " + "word " * 80, "AI x 2", "AI x 3"],
    "facebook": ["AI fb 1", "AI fb 2"],
    "email": ["AI mail 1", "AI mail 2", "AI mail 3"],
    "hashtags": ["#JazzNight", "harbour music"],
}


def art_png() -> str:
    image = Image.new("RGB", (1024, 1024), "#334455")
    ImageDraw.Draw(image).ellipse((200, 200, 800, 800), fill="#aa7733")
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@dataclass
class StandIn:
    url: str = ""
    script: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    slow_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, path: str, body: dict[str, Any]) -> str:
        with self.lock:
            self.requests.append((path, body))
            return self.script.pop(0) if self.script else "ok"


def handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    art = art_png()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            mode = standin.next(self.path, body)
            if mode == "429":
                self.reply(429, {"error": {"message": "Rate limit", "type": "rate_limit"}},
                           {"Retry-After": "0", "retry-after-ms": "10"})
                return
            if mode == "slow":
                time.sleep(standin.slow_seconds)
            if mode == "policy":
                self.reply(400, {"error": {"message": "Rejected", "code": "content_policy_violation",
                                           "type": "invalid_request_error"}})
                return
            if self.path.endswith("/images/generations"):
                self.reply(200, {"created": 0, "data": [{"b64_json": art}]})
                return
            content: str | None = json.dumps(COPY)
            refusal = None
            if mode == "refusal":
                content, refusal = None, "I can't help with that."
            elif mode == "invalid":
                content = '{"image_prompt": "x", "instagram": "not a list"'
            self.reply(200, {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content, "refusal": refusal}}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
            })

    return Handler


@contextmanager
def openai_standin() -> Iterator[StandIn]:
    standin = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(standin))
    standin.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
