"""The buying part of the public event page: quantities per tier, live breakdown, buyer details."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from nicegui import ui

from eventflow.domain.access_codes import BuyerView
from eventflow.domain.errors import DomainError, SoldOut, ValidationFailed
from eventflow.domain.links import checkout_path
from eventflow.domain.models import Buyer, EventView, ReservationLine, Tier
from eventflow.domain.money import FeeMode
from eventflow.domain.reservations import LineRequest
from eventflow.i18n import _, current_visitor, error_text
from eventflow.pages.components.breakdown import price_breakdown
from eventflow.pages.components.buyer_guard import browser_token, check_reserve_limits
from eventflow.pages.components.code_entry import line_for
from eventflow.pages.components.traffic_capture import page_touch
from eventflow.pages.components.waiting_room_panel import require_room_pass
from eventflow.services import Services

TOUCH_TARGET = "min-w-[44px] min-h-[44px]"  # WCAG 2.5.5: thumb-sized on a phone (a dense round button is 34 px)


class PurchasePanel:
    """Per-visitor state: how many of each tier, and the form that turns them into a hold."""

    def __init__(self, services: Services, view: EventView, offer: BuyerView | None = None) -> None:
        self.services = services
        self.view = view
        self.offer = offer  # with an access code: its prices, and it goes into the reservation
        self.code = offer.code.code if offer is not None and offer.code is not None else None
        self.quantities: dict[str, int] = {tier.id: 0 for tier in view.tiers}
        self.tiers_by_id = {tier.id: tier for tier in view.tiers}
        self.available: dict[str, int] = {tier.id: tier.available for tier in view.tiers}
        self.steppers: dict[str, Callable[[], None]] = {}
        # One key per page view: a double click or a retry gives the same hold, never two.
        self.idempotency_key = secrets.token_urlsafe(16)

    def limit(self, tier: Tier) -> int:
        return max(0, min(tier.max_per_order, self.available.get(tier.id, 0)))

    def stepper(self, tier: Tier) -> None:
        """[-] n [+] for one tier (placed in the caller's row), bounded by max-per-order and what is left."""
        less = _("One less {tier}").format(tier=tier.name)
        more = _("One more {tier}").format(tier=tier.name)
        minus = ui.button(icon="remove", on_click=lambda: self.change(tier, -1)).props(
            f"round dense flat aria-label='{less}' data-testid=minus-{tier.id}"
        ).classes(TOUCH_TARGET)
        # aria-live: a screen reader says the new quantity after each tap.
        count = ui.label("0").classes("w-6 text-center text-lg").props(f"data-testid=qty-{tier.id} aria-live=polite")
        plus = ui.button(icon="add", on_click=lambda: self.change(tier, +1)).props(
            f"round dense aria-label='{more}' data-testid=plus-{tier.id}"
        ).classes(TOUCH_TARGET)

        def refresh() -> None:
            quantity = self.quantities[tier.id]
            count.text = str(quantity)
            minus.set_enabled(quantity > 0)
            plus.set_enabled(quantity < self.limit(tier))

        self.steppers[tier.id] = refresh
        refresh()

    def change(self, tier: Tier, delta: int) -> None:
        self.quantities[tier.id] = max(0, min(self.limit(tier), self.quantities[tier.id] + delta))
        self.steppers[tier.id]()
        self.summary.refresh()
        if any(self.quantities.values()) and hasattr(self, "error"):
            self.error.set_visibility(False)  # "Choose at least one ticket." no longer applies

    def availability_changed(self, tier_id: str, available: int) -> None:
        """Called on every live change for every open page: sends nothing unless this page's
        stepper must change (what is left went below its limit, or came back)."""
        tier = self.tiers_by_id.get(tier_id)
        if tier is None:
            return
        before = self.limit(tier)
        self.available[tier_id] = available
        if self.limit(tier) == before or tier_id not in self.steppers:
            return
        if self.quantities[tier_id] > self.limit(tier):
            self.quantities[tier_id] = self.limit(tier)
            self.summary.refresh()
            # Say so: a chosen quantity that drops without a word looks like a glitch.
            self.show_error(_("{tier} just sold out: removed from your choice.").format(tier=tier.name)
                            if not self.limit(tier) else
                            _("Only {count} {tier} left: your choice is now {count}.").format(
                                count=self.limit(tier), tier=tier.name))
        self.steppers[tier_id]()

    def chosen_lines(self) -> list[tuple[str, ReservationLine]]:
        event = self.view.event
        lines = []
        for tier in self.view.tiers:
            quantity = self.quantities.get(tier.id, 0)
            if quantity:
                lines.append((tier.name, line_for(tier, quantity, event, self.offer)))  # components/code_entry.py
        return lines

    def form(self) -> None:
        with ui.card().classes("w-full").props("data-testid=purchase"):
            self.summary()
            self.name = ui.input(_("Your name"), validation={_("Enter your name"): lambda v: bool(v.strip())}) \
                .props("autocomplete=name outlined dense data-testid=buyer-name").classes("w-full")
            self.email = ui.input(
                _("Email for your tickets"),
                validation={_("Enter a valid email address"): lambda v: "@" in v and "." in v.split("@")[-1]},
            ).props("type=email autocomplete=email outlined dense data-testid=buyer-email").classes("w-full")
            self.error = ui.label("").classes("text-red-700 font-medium").props(
                "data-testid=purchase-error role=alert")
            self.error.set_visibility(False)
            self.button = ui.button(_("Reserve tickets"), on_click=self.reserve).classes("w-full").props(
                "size=lg data-testid=reserve"
            )

    @ui.refreshable_method
    def summary(self) -> None:
        lines = self.chosen_lines()
        if not lines:
            ui.label(_("Choose your tickets above.")).classes("text-slate-500")
            return
        currency, payments = self.view.event.currency, self.services.payments
        # All-in price up front: a passed-on processing fee is shown before the buyer reserves.
        processing = payments.buyer_processing_of(sum(line.total_minor for _, line in lines),
                                                  sum(line.fee_minor for _, line in lines), currency) if payments else 0
        price_breakdown(lines, currency, FeeMode(self.view.event.fee_mode), processing, code=self.code)

    async def reserve(self) -> None:
        self.error.set_visibility(False)
        lines = [LineRequest(tier_id, q) for tier_id, q in self.quantities.items() if q]
        if not lines:
            self.show_error(_("Choose at least one ticket."))
            return
        if not (self.name.validate() & self.email.validate()):
            return
        self.button.disable()
        try:
            buyer = Buyer(email=self.email.value, name=self.name.value, language=current_visitor().language)
            token = browser_token()
            check_reserve_limits(self.services, buyer, token)  # issue 13
            await require_room_pass(self.services, self.view.event.id)  # a waiting room's pass (issue 13)
            reservation = await self.services.off_loop(
                self.services.ticketing.reserve, self.view.event.id, lines,
                buyer, idempotency_key=self.idempotency_key,
                code=self.code, buyer_token=token, source=await page_touch(self.view.event.id),
            )
        except SoldOut as error:
            names = [t.name for t in self.view.tiers if t.id in error.tier_ids]
            self.show_error(_("Not enough {tiers} left. Please choose fewer.").format(
                tiers=", ".join(names) or _("tickets")))
            self.idempotency_key = secrets.token_urlsafe(16)
            self.button.enable()
            return
        except (ValidationFailed, DomainError) as error:
            self.show_error(error_text(error))
            self.idempotency_key = secrets.token_urlsafe(16)
            self.button.enable()
            return
        ui.navigate.to(checkout_path(reservation.id))

    def show_error(self, text: str) -> None:
        self.error.text = text
        self.error.set_visibility(True)
