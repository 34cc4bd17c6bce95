"""Organizer settings cards say what their save did under the form: a refusal in words (nothing saved),
then "Saved." and the saved value (pages/components/form_note.py): the transfer rule and the public address."""

from __future__ import annotations

from typing import Any

import pytest

from eventflow.domain.transfers import TransferRule
from tests.pages.test_pages_user import (  # noqa: F401
    Site,
    anyio_backend,
    by_testid,
    element,
    log_in,
    site,
    until,
)

pytestmark = pytest.mark.anyio


def card_text(user: Any, testid: str) -> str:
    return " ".join(e.text for e in element(user, testid).descendants() if hasattr(e, "text"))


async def test_a_transfer_deadline_without_a_time_is_refused_then_forbidding_is_saved(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Floor", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    element(user, "transfer-rule").set_value("deadline")
    by_testid(user, "transfer-policy-save").click()
    await until(lambda: "A deadline needs a date and time" in card_text(user, "transfer-policy"))
    assert site.services.transfers.policy(event.id).rule is TransferRule.ALLOW  # nothing saved
    element(user, "transfer-rule").set_value("forbid")
    by_testid(user, "transfer-policy-save").click()
    await until(lambda: "Saved." in card_text(user, "transfer-policy"))
    assert site.services.transfers.policy(event.id).rule is TransferRule.FORBID


async def test_a_too_short_address_is_refused_then_a_good_one_saved_and_linked(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    await log_in(site, organizer)
    user = site.user
    await user.open("/account")
    await until(lambda: by_testid(user, "address-input"))
    element(user, "address-input").set_value("!")
    by_testid(user, "address-save").click()
    await until(lambda: "at least 3 letters" in card_text(user, "organizer-address"))
    element(user, "address-input").set_value("Jazz Club Berlin!")
    by_testid(user, "address-save").click()
    await until(lambda: "Saved." in card_text(user, "organizer-address"))
    assert element(user, "address-input").value == "jazz-club-berlin"
