"""The flyer API through a real server: generate, list, download with the bearer token, use as cover;
another organizer gets 404s; the AI engine through the OpenAI stand-in, and its failure falling back."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.flyers.checks import pdf_page, qr_texts
from tests.flyers.openai_standin import StandIn, openai_standin
from tests.server import running_app

EVENT = {
    "title": "Harbour Jazz Night", "starts_at": "2027-03-14T20:00:00+01:00", "ends_at": "2027-03-14T23:30:00+01:00",
    "timezone": "Europe/Berlin", "venue": "Hafenbar, Berlin", "currency": "EUR",
    "description": "Live jazz by the water", "fee_mode": "buyer_pays",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, StandIn]]:
    with openai_standin() as standin, running_app(
            tmp_path_factory.mktemp("flyers"), EVENTFLOW_OPENAI_API_KEY="sk-test",
            EVENTFLOW_OPENAI_BASE_URL=standin.url,
            EVENTFLOW_OPENAI_TIMEOUT_SECONDS="1", EVENTFLOW_OPENAI_MAX_RETRIES="1") as url:
        yield url, standin


@pytest.fixture
def api(server: tuple[str, StandIn]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server[0]}/api/v1", timeout=30) as client:
        yield client


def organizer_with_event(api: httpx.Client, **changes: str) -> tuple[dict[str, str], dict[str, Any]]:
    token = api.post("/auth/signup", json={"email": f"o{secrets.token_hex(4)}@example.com",
                                           "password": "long enough", "name": "O"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    event = api.post("/events", json={**EVENT, **changes}, headers=auth).json()
    for name, price in (("Standard", 1800), ("Early bird", 1200)):
        assert api.post(f"/events/{event['id']}/tiers", headers=auth,
                        json={"name": name, "price_minor": price, "capacity": 50}).status_code == 201
    return auth, event


def test_generate_list_download_and_cover(api: httpx.Client, server: tuple[str, StandIn]) -> None:
    auth, event = organizer_with_event(api)
    made = api.post(f"/events/{event['id']}/flyers", headers=auth, json={"theme": "jazz", "style": "night"})
    assert made.status_code == 201, made.text
    flyer = made.json()
    assert flyer["status"] == "ready" and flyer["engine"] == "local" and flyer["notice"] == ""
    assert {len(v) for v in flyer["captions"].values()} == {3}
    assert all(len(text) <= 280 for text in flyer["captions"]["x"])
    assert "from €12" in flyer["captions"]["email"][0]
    square = api.get(flyer["files"]["square_png"].removeprefix("/api/v1"), headers=auth)
    assert square.status_code == 200 and square.headers["content-type"] == "image/png"
    assert qr_texts(square.content) == [f"{public(server[0])}/e/{event['slug']}?ref=flyer"]
    width, height, text = pdf_page(api.get(flyer["files"]["poster_pdf"].removeprefix("/api/v1"), headers=auth).content)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "Harbour Jazz Night" in text and "from €12" in text
    assert [f["id"] for f in api.get(f"/events/{event['id']}/flyers", headers=auth).json()] == [flyer["id"]]
    assert api.post(f"/events/{event['id']}/flyers/{flyer['id']}/cover", headers=auth).status_code == 204
    assert httpx.get(f"{server[0]}/covers/{event['id']}.jpg").status_code == 200


def test_another_organizer_gets_404_and_no_token_401(api: httpx.Client) -> None:
    auth, event = organizer_with_event(api)
    flyer = api.post(f"/events/{event['id']}/flyers", headers=auth, json={}).json()
    other, _ = organizer_with_event(api)
    base = f"/events/{event['id']}/flyers"
    for response in (api.post(base, headers=other, json={}), api.get(base, headers=other),
                     api.get(f"{base}/{flyer['id']}/square.png", headers=other),
                     api.post(f"{base}/{flyer['id']}/cover", headers=other)):
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api.get(f"{base}/{flyer['id']}/square.png").status_code == 401
    assert api.get(f"{base}/{flyer['id']}/..%2Fsecret_key", headers=auth).status_code == 404
    assert api.post(base, headers=auth, json={"engine": "midjourney"}).status_code == 422


def test_ai_engine_through_the_sdk_and_its_fallback(api: httpx.Client, server: tuple[str, StandIn]) -> None:
    auth, event = organizer_with_event(api)
    standin = server[1]
    standin.script[:] = ["429", "ok", "ok"]  # the SDK waits Retry-After and tries again
    flyer = api.post(f"/events/{event['id']}/flyers", headers=auth, json={"engine": "openai", "theme": "jazz"}).json()
    assert flyer["engine"] == "openai" and flyer["notice"] == ""
    assert flyer["captions"]["instagram"] == ["AI insta 1 #Jazz", "AI insta 2", "AI insta 3"]
    assert len(flyer["captions"]["x"][0]) <= 280 and len(flyer["captions"]["facebook"]) == 3
    assert flyer["hashtags"] == ["#JazzNight", "#harbourmusic"]
    square = api.get(flyer["files"]["square_png"].removeprefix("/api/v1"), headers=auth).content
    assert qr_texts(square) == [f"{public(server[0])}/e/{event['slug']}?ref=flyer"]
    standin.script[:] = ["refusal"]
    refused = api.post(f"/events/{event['id']}/flyers", headers=auth, json={"engine": "openai"}).json()
    assert refused["engine"] == "local" and "declined" in refused["notice"]
    assert "local designer" in refused["notice"]


def test_path_is_under_the_data_dir(tmp_path: Path) -> None:
    from eventflow.adapters.flyer_files import FlyerFileStore

    files = FlyerFileStore(tmp_path / "flyers")
    files.save("fly_1", "square.png", b"x")
    assert files.read("fly_1", "square.png") == b"x"
    assert files.read("..", "secret_key") is None and files.read("fly_1", "../x.png") is None


def public(url: str) -> str:
    """The server's links use its public address (EVENTFLOW_BASE_URL unset: localhost)."""
    return url.replace("127.0.0.1", "localhost")


def test_remake_only_the_captions_through_the_api(api: httpx.Client) -> None:
    auth, event = organizer_with_event(api)
    base = f"/events/{event['id']}/flyers"
    first = api.post(base, headers=auth, json={"style": "pastel"}).json()
    again = api.post(base, headers=auth, json={"only": "captions", "based_on": first["id"], "engine": "openai"})
    assert again.status_code == 201, again.text
    remade = again.json()
    assert remade["captions"]["email"][0] == "AI mail 1" and remade["id"] != first["id"]
    square = [api.get(f["files"]["square_png"].removeprefix("/api/v1"), headers=auth).content for f in (first, remade)]
    assert square[0] == square[1]
    refused = api.post(base, headers=auth, json={"only": "captions", "based_on": "fly_nope"})
    assert refused.status_code == 404


def test_an_a3_poster_and_german_captions_for_a_german_description(api: httpx.Client) -> None:
    german = "Live-Jazz direkt am Wasser: ein Abend mit Freunden, guten Drinks und Musik bis spät in die Nacht."
    auth, event = organizer_with_event(api, description=german)
    base = f"/events/{event['id']}/flyers"
    made = api.post(base, headers=auth, json={"paper": "A3"})
    assert made.status_code == 201, made.text
    flyer = made.json()
    width, height, text = pdf_page(api.get(flyer["files"]["poster_pdf"].removeprefix("/api/v1"), headers=auth).content)
    assert flyer["paper"] == "A3" and (round(width), round(height)) == (842, 1191)  # A3 in points
    assert "Harbour Jazz Night" in text
    assert "Sonntag, 14. März 2027, 20:00 Uhr" in flyer["captions"]["instagram"][0]
    assert "ab 12\xa0€" in flyer["captions"]["email"][0]
    captions_only = api.post(base, headers=auth, json={"only": "captions", "based_on": flyer["id"]}).json()
    assert captions_only["paper"] == "A3"  # the kept poster's page
    assert api.post(base, headers=auth, json={"paper": "A5"}).status_code == 422


def test_a_flyer_made_the_cover_is_the_share_image(api: httpx.Client, server: tuple[str, StandIn]) -> None:
    auth, event = organizer_with_event(api)
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    flyer = api.post(f"/events/{event['id']}/flyers", headers=auth, json={"style": "bold"}).json()
    assert api.post(f"/events/{event['id']}/flyers/{flyer['id']}/cover", headers=auth).status_code == 204
    page = httpx.get(f"{server[0]}/e/{event['slug']}")
    [image] = re.findall(r'<meta property="og:image" content="([^"]+)"', page.text)
    # absolute, public (no token); a version query (if any) changes when another picture becomes the cover
    assert re.fullmatch(re.escape(f"{public(server[0])}/covers/{event['id']}.jpg") + r"(\?v=\w+)?", image), image
    shared = httpx.get(image.replace("localhost", "127.0.0.1"))
    assert shared.status_code == 200 and shared.headers["content-type"] == "image/jpeg"
    assert qr_texts(shared.content) == [f"{public(server[0])}/e/{event['slug']}?ref=flyer"]  # the flyer itself


def test_an_edited_caption_is_kept_with_the_flyer(api: httpx.Client) -> None:
    auth, event = organizer_with_event(api)
    base = f"/events/{event['id']}/flyers"
    flyer = api.post(base, headers=auth, json={}).json()
    captions = f"{base}/{flyer['id']}/captions"
    edited = api.patch(captions, headers=auth, json={"channel": "instagram", "index": 1, "text": " Our own words 🎷 "})
    assert edited.status_code == 200, edited.text
    assert edited.json()["captions"]["instagram"][1] == "Our own words 🎷"
    [listed] = api.get(base, headers=auth).json()
    assert listed["captions"]["instagram"] == [flyer["captions"]["instagram"][0], "Our own words 🎷",
                                               flyer["captions"]["instagram"][2]]
    too_long = api.patch(captions, headers=auth, json={"channel": "x", "index": 0, "text": "x" * 281})
    assert too_long.status_code == 422 and "280" in too_long.text
    assert api.patch(captions, headers=auth, json={"channel": "x", "index": 3, "text": "hi"}).status_code == 404
    assert api.patch(captions, headers=auth, json={"channel": "tiktok", "index": 0, "text": "hi"}).status_code == 422
    other, _ = organizer_with_event(api)
    assert api.patch(captions, headers=other, json={"channel": "x", "index": 0, "text": "hi"}).status_code == 404
    assert api.get(base, headers=auth).json()[0]["captions"]["x"] == flyer["captions"]["x"]
