"""The public event page's access codes: `/e/{slug}?code=CODE` applied on arrival, the "Have a code?"
field, and a tier's price with a code (the original struck through).

Which tiers a buyer sees and at what price is the domain's rule (`domain/access_codes.buyer_view`);
this module only reads the code once per page view and says why a code cannot be used, in the
domain's own words. A bad code never stops the page: it shows without the code, and the reason."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from nicegui import ui

from eventflow.domain.access_codes import (
    AccessCode,
    BuyerView,
    CodeInvalid,
    CodeNotActive,
    CodeUsedUp,
    TierOffer,
    buyer_view,
)
from eventflow.domain.errors import DomainError
from eventflow.domain.links import event_path
from eventflow.domain.models import Event, EventView, ReservationLine, Tier
from eventflow.domain.money import FeeMode, TicketPrice
from eventflow.i18n import _, error_text
from eventflow.pages.components.formatting import money, price_label
from eventflow.services import Services

CODE_ERRORS = (CodeInvalid, CodeNotActive, CodeUsedUp)
MAX_SHOWN = 40  # characters of a refused code said back (a link may carry anything)


def code_link(slug: str, code: str) -> str:
    return f"{event_path(slug)}?code={quote(code, safe='')}"


async def read_offer(services: Services, view: EventView, text: str | None) -> tuple[BuyerView, str | None]:
    """The event as this buyer sees it, and why their code does not apply (None when it does)."""
    if not text or not text.strip():
        return buyer_view(view, None), None
    try:
        code = await services.off_loop(services.codes.check, view.event.id, text)
    except CODE_ERRORS as problem:
        return buyer_view(view, None), error_text(problem)
    except DomainError:  # the store was busy: the page still opens, without the code
        return buyer_view(view, None), _("The code could not be checked just now. Please try again.")
    return buyer_view(view, code), None


def line_for(tier: Tier, quantity: int, event: Event, offer: BuyerView | None) -> ReservationLine:
    """A chosen line priced as the reservation will price it (the code's discount and the fee on
    what is paid), for the breakdown shown before reserving."""
    tier_offer = offer.offer(tier.id) if offer is not None else None
    if tier_offer is None:
        price, discount = TicketPrice.of(tier.price_minor, event.currency, event.fee_mode), 0
    else:
        price, discount = tier_offer.price, tier_offer.discount_minor
    return ReservationLine(tier.id, quantity, price.price_minor, price.fee_minor, price.buyer_total_minor,
                           tier.version, unit_discount_minor=discount)


def coded_tier_text(offer: TierOffer | None, currency: str, fee_mode: FeeMode, not_on_sale: str | None) -> str | None:
    """A tier's name and price when a code changes them (None when it does not): the list price
    struck through before the price paid, and a chip on a tier the code unlocked."""
    if offer is None or not (offer.discount_minor or offer.unlocked):
        return None
    tier, price = offer.tier, offer.price
    chip = ('<div><span class="px-2 py-0.5 rounded-full text-xs font-medium bg-violet-100 text-violet-900">'
            f'{escape(_("Unlocked by your code"))}</span></div>' if offer.unlocked else "")
    was = (f'<s class="text-slate-500 mr-1" data-testid="list-price-{escape(tier.id)}">'
           f'{escape(money(offer.list_price_minor, currency))}</s>' if offer.discount_minor else "")
    now = (f'<span class="font-semibold text-emerald-800" data-testid="price-{escape(tier.id)}">'
           f'{escape(price_label(price.price_minor, currency))}</span>')
    fee_text = _("+ {amount} fee").format(amount=money(price.fee_minor, currency))
    fee = (f' <span class="text-sm text-slate-500">{escape(fee_text)}</span>'
           if fee_mode is FeeMode.BUYER_PAYS and price.fee_minor else "")
    why = f'<div class="text-xs text-slate-500">{escape(not_on_sale)}</div>' if not_on_sale else ""
    return (f'<div class="text-lg font-semibold">{escape(tier.name)}</div>{chip}'
            f'<div class="text-base">{was}{now}{fee}</div>{why}')


def what_it_gives(code: AccessCode, offer: BuyerView) -> str:
    """"unlocks VIP Lounge · 20% off" in the buyer's words, from the tiers this buyer now sees."""
    parts = []
    unlocked = [o.tier.name for o in offer.tiers if o.unlocked]
    if unlocked:
        parts.append(_("unlocks {tiers}").format(tiers=", ".join(unlocked)))
    discounted = [o.tier.name for o in offer.tiers if o.discount_minor]
    if discounted:
        amount = _("{percent}% off").format(percent=code.discount_percent) if code.discount_percent else \
            _("{amount} off per ticket").format(amount=money(code.discount_minor or 0, offer.event.currency))
        every = len(discounted) == len(offer.tiers)
        parts.append(amount if every else f"{amount} {', '.join(discounted)}")
    if code.max_per_order:
        parts.append(_("up to {count} tickets per order").format(count=code.max_per_order))
    return " · ".join(parts) or _("nothing on sale right now")


class CodeEntry:
    """Under the Tickets heading: the applied code with what it gives, or "Have a code?"."""

    def __init__(self, services: Services, offer: BuyerView, problem: str | None, typed: str | None) -> None:
        self.services, self.offer = services, offer
        event = offer.event
        if offer.code is not None:
            self.applied(offer.code, event)
            return
        # The form inside is built when the buyer first opens "Have a code?" (at once when a code in the
        # link was refused): most buyers never do, and every element costs memory on every open page.
        self.problem, self.typed = problem, typed
        self.box = ui.expansion(_("Have a code?"), icon="confirmation_number", on_value_change=self.build).classes(
            "w-full rounded-lg bg-white shadow").props("dense data-testid=code-entry")
        self.built = False
        if problem:
            self.box.open()

    def build(self) -> None:
        if self.built or not self.box.value:
            return
        self.built = True
        with self.box:
            with ui.row().classes("w-full items-start no-wrap gap-2"):
                self.field = ui.input(_("Access or promo code"), value=(self.typed or "").strip()[:MAX_SHOWN]).props(
                    "outlined dense autocapitalize=characters autocomplete=off spellcheck=false maxlength=60 "
                    "data-testid=code-input").classes("grow")
                self.field.on("keydown.enter", self.apply)
                ui.button(_("Apply"), on_click=self.apply).props("data-testid=code-apply")
            self.message = ui.label(self.problem or "").classes("text-red-700 font-medium").props(
                "data-testid=code-message role=alert")
            self.message.set_visibility(bool(self.problem))

    def applied(self, code: AccessCode, event: Event) -> None:
        with ui.row().classes("w-full items-center no-wrap gap-2 p-3 rounded-lg bg-violet-50 text-violet-950") \
                .props("data-testid=code-applied"):
            ui.icon("verified", size="sm").classes("text-violet-700 shrink-0")
            with ui.column().classes("grow gap-0 min-w-0"):
                ui.label(_("Code {code} applied").format(code=code.code)).classes("font-semibold break-all")
                ui.label(what_it_gives(code, self.offer)).classes("text-sm").props("data-testid=code-gives")
            ui.link(_("Remove"), event_path(event.slug)).classes("text-sm shrink-0").props("data-testid=code-remove")

    async def apply(self) -> None:
        text = (self.field.value or "").strip()
        if not text:
            self.say(_("Enter your code."))
            return
        event = self.offer.event
        try:
            code = await self.services.off_loop(self.services.codes.check, event.id, text)
        except CODE_ERRORS as problem:
            self.say(error_text(problem))
            return
        except DomainError:
            self.say(_("The code could not be checked just now. Please try again."))
            return
        ui.navigate.to(code_link(event.slug, code.code))  # the page with the code, as its link opens it

    def say(self, text: str) -> None:
        self.message.text = text
        self.message.set_visibility(True)
