"""The API's buyer language for their mails: from the reserve request's Accept-Language (the page passes
its visitor's); without the header None, stored as such and mailed in English, so API JSON and old
clients are unchanged."""

from __future__ import annotations

from starlette.requests import Request

from eventflow.api.buying import mail_language


def request(accept_language: str | None) -> Request:
    headers = [(b"accept-language", accept_language.encode())] if accept_language is not None else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


def test_the_reserve_takes_the_buyers_language_from_accept_language() -> None:
    assert mail_language(request("de-AT,de;q=0.9,en;q=0.5")) == "de"
    assert mail_language(request("fr-FR, es;q=0.7")) == "es"
    assert mail_language(request("fr-FR")) == "en"  # a header naming none we write in: English, said so
    assert mail_language(request(None)) is None
