"""/events, /o/{slug}, the follow links and "More like this" over plain HTTP against the real server:
odd input (impossible days, foreign page links, FTS and SQL metacharacters, emoji) gives a readable
page, never a 500; unknown organizers and follow tokens are said so."""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.api.test_api import EVENT, organizer


@pytest.mark.parametrize("query", [
    "from=2026-02-30", "to=2026-13-45&from=x", "page=garbage", "page=99999999999999999999_evt",
    "q=%22*NEAR(%20OR%20AND%20%22%22", "q=%F0%9F%8E%B7&city=%F0%9F%8F%99&tag=%25", "q=" + "x" * 600,
    "from=2026-12-24&to=2026-12-01", "q=%00%27%3B--",
])
def test_odd_browse_input_is_a_readable_page(app_url: str, query: str) -> None:
    response = httpx.get(f"{app_url}/events?{query}", timeout=10)
    assert response.status_code == 200, response.text[:500]
    assert "Find an event" in response.text


def test_a_bad_day_is_explained(app_url: str) -> None:
    response = httpx.get(f"{app_url}/events?from=2026-02-30", timeout=10)
    assert "showing all upcoming events instead" in response.text


def test_unknown_organizer_and_follow_links(app_url: str) -> None:
    response = httpx.get(f"{app_url}/o/nobody-{secrets.token_hex(3)}", timeout=10)
    assert response.status_code == 404 and "This organizer does not exist" in response.text
    for kind in ("confirm", "stop"):
        answer = httpx.get(f"{app_url}/follow/{kind}/not-a-token", timeout=10)
        assert answer.status_code == 200 and "This link does not work" in answer.text


def test_more_like_this_on_the_event_page(app_url: str) -> None:
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        auth = organizer(api)
        made = []
        for title in ("First Of Two", "Second Of Two"):
            event = api.post("/events", json={**EVENT, "title": title}, headers=auth).json()
            api.post(f"/events/{event['id']}/tiers", headers=auth, json={"name": "T", "price_minor": 0, "capacity": 9})
            assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
            made.append(event)
    page = httpx.get(f"{app_url}/e/{made[0]['slug']}", timeout=10)
    assert page.status_code == 200 and "More like this" in page.text and "Second Of Two" in page.text


def test_the_home_page_links_to_browse(app_url: str) -> None:
    page = httpx.get(f"{app_url}/", timeout=10).text
    assert '"text":"Search by date, city or kind of event →","class":["nicegui-link"],"props":{"href":"/events"' in page


def test_browse_and_organizer_pages_carry_their_canonical_and_previews(app_url: str) -> None:
    """Rich links on every public page: /events (one canonical, without the search's query) and /o/{slug}."""
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        auth = organizer(api)
        event = api.post("/events", json={**EVENT, "title": "Canonical Check"}, headers=auth).json()
        api.post(f"/events/{event['id']}/tiers", headers=auth, json={"name": "T", "price_minor": 0, "capacity": 9})
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
        address = f"canon-{secrets.token_hex(3)}"
        assert api.put("/organizer/address", json={"slug": address}, headers=auth).status_code < 300
    browse = httpx.get(f"{app_url}/events?q=canonical&city=x", timeout=10).text
    assert '<link rel="canonical" href="' in browse and '/events"' in browse.split('rel="canonical"')[1][:200]
    assert 'property="og:title"' in browse
    organizer_path = f"/o/{address}"
    profile = httpx.get(f"{app_url}{organizer_path}", timeout=10).text
    assert f'{organizer_path}"' in profile.split('rel="canonical"')[1][:300]
    assert 'property="og:title"' in profile and "· EventFlow" in profile
