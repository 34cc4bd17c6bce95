"""Access codes on the pages, through NiceGUI's simulated user (issue 12): a VIP link shows the hidden
tier at its discounted price and carries the code into the reservation and its breakdown; without a
code the hidden tier is not on the page; each kind of bad code says why, whatever the link carries;
the editor's Codes panel creates, pauses, deletes and bulk-generates codes; the dashboard lists each
code's figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from eventflow.domain.access_codes import CodeSettings
from eventflow.domain.models import Buyer, Event, Tier
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio

TIERS = [{"name": "Entry", "price_minor": 2000, "capacity": 50},
         {"name": "VIP Lounge", "price_minor": 8000, "capacity": 10, "hidden": True}]


def vip_event(site: Site, **settings: Any) -> tuple[Event, list[Tier], str]:
    organizer = site.organizer()
    event, tiers = site.event(organizer, TIERS)
    code = site.services.codes.create(organizer.id, event.id, CodeSettings(
        code="vip2026", unlocks_tiers=None, discount_percent=25, **settings))
    return event, tiers, code.code


def texts(site: Site) -> str:
    return " ".join(str(getattr(e, "text", "")) + str(getattr(e, "content", ""))
                    for e in site.user.current_layout.descendants())


async def test_a_vip_link_shows_the_hidden_tier_discounted_and_reserves_with_the_code(site: Site) -> None:
    event, (_entry, vip), code = vip_event(site)
    user = site.user
    await user.open(f"/e/{event.slug}")
    await user.should_see("Entry")
    await user.should_not_see("VIP Lounge")  # hidden without a code
    assert not [e for e in user.current_layout.descendants() if e.props.get("data-testid") == f"tier-{vip.id}"]

    await user.open(f"/e/{event.slug}?code=vip2026")  # typed in lower case: codes ignore case
    await user.should_see("Code VIP2026 applied")
    page = texts(site)
    assert "Unlocked by your code" in page and "€80.00</s>" in page and "€60.00" in page
    by_testid(user, f"plus-{vip.id}").click()
    by_testid(user, f"plus-{vip.id}").click()
    await until(lambda: element(user, "discount").text == "−€40.00")  # 2 x 25% of €80
    by_testid(user, "buyer-name").type("Vera Vip")
    by_testid(user, "buyer-email").type("vera@example.com")
    by_testid(user, "reserve").click()
    await until(lambda: path_now(user).startswith("/checkout/"))
    reservation_id = path_now(user).rsplit("/", 1)[1]
    reservation = site.services.ticketing.get_reservation(reservation_id)
    assert reservation.code is not None and reservation.code.code == code
    assert reservation.discount_minor == 4000 and reservation.subtotal_minor == 12000
    await user.should_see("Code VIP2026")  # the checkout's breakdown says where the discount came from
    assert element(user, "discount").text == "−€40.00"


async def test_each_bad_code_says_why_and_the_page_still_opens(site: Site) -> None:
    event, (_entry, vip), code = vip_event(site, max_uses=1, uses_count="orders")
    organizer_id = event.organizer_id
    user = site.user
    for link, words in (
        ("NOPE123", "not valid"),
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "not valid"),
        ("%F0%9F%8E%9F%EF%B8%8F", "not valid"),
        ("A" * 500, "not valid"),
        ("%00", "not valid"),
    ):
        await user.open(f"/e/{event.slug}?code={link}")
        await user.should_see(words)
        await user.should_see("Entry")
        await user.should_not_see("VIP Lounge")

    site.services.ticketing.reserve(event.id, [LineRequest(vip.id, 1)], Buyer("a@example.com", "A"), code=code)
    await user.open(f"/e/{event.slug}?code={code}")
    await user.should_see("used up")
    await user.should_not_see("VIP Lounge")

    other = site.services.codes.create(organizer_id, event.id, CodeSettings(code="LATER", unlocks_tiers=None,
                                       valid_from=site.clock.now() + timedelta(days=2)))
    await user.open(f"/e/{event.slug}?code=later")
    await user.should_see("not valid yet")
    site.clock.advance(timedelta(days=3))
    site.services.codes.pause(organizer_id, event.id, other.id)
    await user.open(f"/e/{event.slug}?code=later")
    await user.should_see("paused")


async def test_have_a_code_applies_one_by_hand(site: Site) -> None:
    event, (_entry, _vip), _ = vip_event(site)
    user = site.user
    await user.open(f"/e/{event.slug}")
    element(user, "code-entry").open()  # the form is built when "Have a code?" is first opened
    by_testid(user, "code-input").type("wrong-one")
    by_testid(user, "code-apply").click()
    await until(lambda: "not valid" in element(user, "code-message").text)
    by_testid(user, "code-input").clear().type("  Vip2026 ")
    by_testid(user, "code-apply").click()
    await until(lambda: path_now(user) == f"/e/{event.slug}?code=VIP2026")


async def test_the_editor_creates_pauses_edits_deletes_and_bulk_generates_codes(site: Site) -> None:
    organizer = site.organizer()
    event, (_entry, _vip) = site.event(organizer, TIERS)
    codes = site.services.codes
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("No codes yet.")
    by_testid(user, "code-text-new").type("sponsor-vip")
    by_testid(user, "code-max-uses-new").type("20")
    by_testid(user, "code-create").click()
    (made,) = await until(lambda: codes.list(organizer.id, event.id))
    assert (made.code, made.unlocks_tiers, made.max_uses) == ("SPONSOR-VIP", None, 20)
    await user.should_see("0 / 20 uses")

    by_testid(user, f"code-share-{made.id}").click()  # its link and QR code
    await until(lambda: element(user, "code-link").text.endswith(f"/e/{event.slug}?code=SPONSOR-VIP"))
    assert "<svg" in element(user, "code-qr").content

    by_testid(user, f"code-edit-{made.id}").click()  # edit: the limit and a note; the text stays
    by_testid(user, "code-max-uses-edit").clear().type("30")
    by_testid(user, "code-label-edit").type("Harbour board")
    by_testid(user, "code-save-edit").click()
    await until(lambda: codes.get(organizer.id, event.id, made.id).max_uses == 30)
    assert codes.get(organizer.id, event.id, made.id).label == "Harbour board"
    await user.should_see("0 / 30 uses")

    by_testid(user, f"code-pause-{made.id}").click()
    await until(lambda: codes.get(organizer.id, event.id, made.id).paused)
    await user.should_see("Paused")

    by_testid(user, "code-text-new").type("SPONSOR-VIP")  # the same text twice is refused, in words
    by_testid(user, "code-create").click()
    await until(lambda: element(user, "code-error-new").text or
                element(user, "code-text-new").props.get("error-message"))
    assert len(codes.list(organizer.id, event.id)) == 1

    by_testid(user, "code-unlock-new").click()  # no unlock, a 10 % discount on Entry only, 5 single-use codes
    by_testid(user, "code-discount-new").click()
    by_testid(user, "code-amount-new").type("10")
    by_testid(user, "code-max-uses-new").clear()
    by_testid(user, "code-count").clear().type("5")
    by_testid(user, "code-bulk").click()
    csv = (await user.download.next(timeout=5)).text.splitlines()
    bulk = [c for c in codes.list(organizer.id, event.id) if c.id != made.id]
    assert len(bulk) == 5 and len(csv) == 6 and csv[0].startswith("code,link,")
    assert {line.split(",")[0] for line in csv[1:]} == {c.code for c in bulk}
    assert all(f"/e/{event.slug}?code=" in line for line in csv[1:])
    assert {(c.max_uses, c.uses_count.value, c.discount_percent, c.unlocks_tiers) for c in bulk} == {
        (1, "orders", 10, ())}

    by_testid(user, f"code-delete-{made.id}").click()
    by_testid(user, "code-delete-confirm").click()
    await until(lambda: len(codes.list(organizer.id, event.id)) == 5)


async def test_the_dashboard_lists_each_codes_figures(site: Site) -> None:
    organizer = site.organizer()
    event, (entry, vip) = site.event(organizer, TIERS)
    site.services.codes.create(organizer.id, event.id, CodeSettings(
        code="VIP2026", unlocks_tiers=None, discount_percent=25, max_uses=10))
    ticketing, buyer = site.services.ticketing, Buyer("v@example.com", "Vera")
    paid = ticketing.reserve(event.id, [LineRequest(vip.id, 2)], buyer, code="vip2026")
    ticketing.confirm(paid.id, payment_ref="test")
    ticketing.reserve(event.id, [LineRequest(vip.id, 1), LineRequest(entry.id, 1)], buyer, code="VIP2026")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    await user.should_see("Codes")
    (row,) = element(user, "code-stats-table").rows
    assert row["code"] == "VIP2026" and row["state"] == "Active"
    # 2 confirmed + 2 held tickets of 10; revenue and discount count the paid order only (2 x EUR 60 / 20).
    assert row == {**row, "uses": "4 / 10 (2 held)", "tickets": 2, "revenue": "€120.00", "discount": "€40.00"}

    ticketing.confirm(ticketing.reserve(event.id, [LineRequest(entry.id, 1)], buyer, code="VIP2026").id, "test")
    # The hub tells the open dashboard: the row moves without a reload (+1 use, ticket, €15 paid, €5 off).
    await until(lambda: element(user, "code-stats-table").rows[0]["uses"] == "5 / 10 (2 held)")
    (row,) = element(user, "code-stats-table").rows
    assert (row["tickets"], row["revenue"], row["discount"]) == (3, "€135.00", "€45.00")


async def test_a_100_percent_code_makes_free_tickets_without_a_payment_step(site: Site) -> None:
    organizer = site.organizer()
    event, (entry, _vip) = site.event(organizer, TIERS)
    site.services.codes.create(organizer.id, event.id, CodeSettings(code="GUEST", discount_percent=100))
    user = site.user
    await user.open(f"/e/{event.slug}?code=guest")
    await user.should_see("Code GUEST applied")
    by_testid(user, f"plus-{entry.id}").click()
    await until(lambda: element(user, "total").text == "€0.00")
    assert element(user, "discount").text == "−€20.00"
    by_testid(user, "buyer-name").type("Gus Guest")
    by_testid(user, "buyer-email").type("gus@example.com")
    by_testid(user, "reserve").click()
    await until(lambda: path_now(user).startswith("/checkout/"))
    await user.should_see("Get my free tickets")  # no card payment for a ticket that costs nothing
    by_testid(user, "pay").click()
    await until(lambda: path_now(user).startswith("/r/"))
    order = site.services.queries.order_view(path_now(user).rsplit("/", 1)[1]).order
    assert (order.total_minor, order.fee_minor, len(order.tickets)) == (0, 0, 1)
