""""Join the waitlist" on a sold-out tier of the public event page (issue 13): a button that opens a small
form (email, name, how many), which joins through `Services.join_waitlist` (the rate limit, then the
domain) and opens the buyer's place at `/waitlist/{entry}?key=` (pages/waitlist.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Tier, TierCount
from eventflow.domain.waitlist import Waitlist
from eventflow.i18n import HTML_LANG, SUPPORTED, Visitor, _, current_language, error_text, use_visitor
from eventflow.services import Services


def waiting_words(count: int) -> str:
    return _("People waiting: {count}").format(count=count) if count else ""


def with_waiting(describe: Callable[[TierCount], dict[str, Any]], waitlist: Waitlist
                 ) -> Callable[[TierCount], dict[str, Any]]:
    """The live message's tier description plus "N people waiting" in every language (static/live_counts.js
    writes it into [data-testid=waiting-<tier>]); from the waitlist's remembered counts, no store call."""
    def described(count: TierCount) -> dict[str, Any]:
        state = describe(count)
        waiting = waitlist.waiting_now.get(count.tier_id, 0)
        texts = {}
        for language in SUPPORTED:
            with use_visitor(Visitor(language)):
                texts[HTML_LANG[language]] = waiting_words(waiting)
        return {**state, "waiting": waiting, "waiting_texts": texts}

    return described


class WaitlistJoin:
    """The button and, once opened, the form of one tier."""

    def __init__(self, services: Services, event_id: str, tier: Tier) -> None:
        self.services, self.event_id, self.tier = services, event_id, tier
        ui.label(waiting_words(services.waitlist.waiting_now.get(tier.id, 0))).classes(
            "text-sm text-slate-600").props(f"data-testid=waiting-{tier.id} aria-live=polite")
        self.opener = ui.button(_("Join the waitlist"), on_click=self.open).props(
            f"outline dense no-caps data-testid=waitlist-open-{tier.id}").classes("self-start mt-1")
        with ui.column().classes("w-full gap-1") as self.form:
            ui.label(_("We hold tickets that come back for the people waiting, in order, and mail you a link.")
                     ).classes("text-xs text-slate-600")
            self.email = ui.input(_("Email")).props(
                f"type=email autocomplete=email outlined dense data-testid=waitlist-email-{tier.id}").classes("w-full")
            self.name = ui.input(_("Name")).props(
                f"autocomplete=name outlined dense data-testid=waitlist-name-{tier.id}").classes("w-full")
            self.quantity = ui.number(_("Tickets"), value=1, min=1, max=tier.max_per_order, precision=0).props(
                f"outlined dense data-testid=waitlist-quantity-{tier.id}").classes("w-32")
            self.problem = ui.label("").classes("text-sm text-red-700").props(
                f"role=alert data-testid=waitlist-problem-{tier.id}")
            ui.button(_("Join"), on_click=self.join).props(f"no-caps data-testid=waitlist-join-{tier.id}")
        self.form.set_visibility(False)

    def open(self) -> None:
        self.form.set_visibility(True)
        self.opener.set_visibility(False)

    async def join(self) -> None:
        try:
            request = ui.context.client.request
            ip = request.client.host if request.client else None
        except (RuntimeError, AttributeError):
            ip = None
        try:
            view = await self.services.join_waitlist(self.event_id, self.tier.id, self.email.value or "",
                                                     self.name.value or "", int(self.quantity.value or 0), ip,
                                                     current_language())
        except DomainError as error:
            self.problem.text = error_text(error)
            return
        ui.navigate.to(f"/waitlist/{view.entry.id}?key={view.entry.key}")
