"""One tier on the public event page: name, price (with the buyer's fee), the live "left" badge and
either the quantity stepper or why it is not on sale.

Each open page is a NiceGUI client whose every element costs memory (~4-6 KiB each, see
docs/benchmarks.md), so what never changes is one `ui.html` and only the parts that do (the badge,
the stepper) are elements. The badge is updated in the browser by the event's live message
(components/live_counts.py); the server keeps the same text without sending it again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any

from nicegui import ui

from eventflow.domain.access_codes import TierOffer
from eventflow.domain.models import Tier, TierCount, availability_band
from eventflow.domain.money import FeeMode, TicketPrice
from eventflow.i18n import HTML_LANG, SUPPORTED, Visitor, _, current_visitor, use_visitor
from eventflow.pages.components.code_entry import coded_tier_text
from eventflow.pages.components.formatting import (
    approximate,
    availability_text,
    local_moment,
    money,
    price_label,
)
from eventflow.pages.components.purchase import PurchasePanel

BADGE_CLASSES = {
    "plenty": "bg-emerald-100 text-emerald-800",
    "few": "bg-amber-100 text-amber-900",
    "none": "bg-slate-200 text-slate-600",
}
CARD_CLASSES = "w-full items-center no-wrap gap-1 p-4 rounded-lg bg-white shadow"


class LiveBadge(ui.label):
    """A label whose text changes reach the browser through the live message, not an `update`."""

    def _handle_text_change(self, text: str) -> None:
        self._text_to_model_text(text)


@dataclass
class TierRow:
    """The widgets of one tier that change as tickets sell."""

    capacity: int
    available: int
    badge: LiveBadge
    card: ui.row
    visitor: Visitor = field(default_factory=current_visitor)  # the page's reader, known while it is built

    def remember(self, count: TierCount) -> None:
        """Keep the server's copy of the badge right, silently: the browser already got the change.
        Runs for every open page on every change, so the classes are touched only when the colour
        band changes (plenty -> few -> sold out), not on every sale."""
        if count.available == self.available and count.capacity == self.capacity:
            return
        band = availability_band(count.available, count.capacity)
        changed_band = band is not availability_band(self.available, self.capacity)
        self.capacity, self.available = count.capacity, count.available
        self.badge.text = badge_words(self.visitor, count.available, count.capacity)
        if changed_band:
            with self.badge.classes.suspend_updates(), self.card.classes.suspend_updates():
                self.badge.classes(replace=badge_classes(count.available, count.capacity))
                if count.available == 0:
                    self.card.classes(add="grayscale")
                else:
                    self.card.classes(remove="grayscale")


@lru_cache(maxsize=4096)
def badge_words(visitor: Visitor, available: int, capacity: int) -> str:
    """"37 left" in the page's language, once per language and count: `TierRow.remember` runs for every
    open page on every change, outside any page's context (thousands of pages share a few answers)."""
    with use_visitor(visitor):
        return availability_text(available, capacity)


def live_state(count: TierCount) -> dict[str, Any]:
    """One tier in the live message: what live_counts.js writes into the badge and the card."""
    # One message reaches every open page, whatever its language: the badge's words in each (live_counts.js).
    texts = {}
    for language in SUPPORTED:
        with use_visitor(Visitor(language)):
            texts[HTML_LANG[language]] = availability_text(count.available, count.capacity)
    return {"id": count.tier_id, "available": count.available,
            "text": texts[HTML_LANG["en"]], "texts": {k: v for k, v in texts.items() if k != HTML_LANG["en"]},
            "classes": badge_classes(count.available, count.capacity)}


def sale_window_text(tier: Tier, now: datetime, timezone: str = "UTC") -> str:
    if tier.sales_start is not None and now < tier.sales_start:
        return _("On sale from {moment}").format(moment=local_moment(tier.sales_start, now, timezone))
    return _("Sales have ended") if tier.sales_end is not None and now >= tier.sales_end else _("Not on sale")


def badge_classes(available: int, capacity: int) -> str:
    kind = availability_band(available, capacity).value
    return f"self-start px-2 py-1 rounded-full text-sm font-medium whitespace-nowrap {BADGE_CLASSES[kind]}"


def tier_text(tier: Tier, currency: str, fee_mode: FeeMode, not_on_sale: str | None) -> str:
    """The tier's fixed part as HTML: name, price, the buyer's fee, why it cannot be bought."""
    price = TicketPrice.of(tier.price_minor, currency, fee_mode)
    fee_text = _("+ {amount} fee").format(amount=money(price.fee_minor, currency))
    fee = (f' <span class="text-sm text-slate-500">{escape(fee_text)}</span>'
           if fee_mode is FeeMode.BUYER_PAYS and price.fee_minor else "")
    about = approximate(tier.price_minor, currency)  # "≈ US$13.33 (approximate)": rates configured only
    about_html = f'<div class="text-sm text-slate-500" data-testid="approximate">{escape(about)}</div>' if about else ""
    why = f'<div class="text-xs text-slate-500">{escape(not_on_sale)}</div>' if not_on_sale else ""
    return (f'<div class="text-lg font-semibold">{escape(tier.name)}</div>'
            f'<div class="text-base">{escape(price_label(tier.price_minor, currency))}{fee}</div>{about_html}{why}')


def tier_card(
    tier: Tier, currency: str, fee_mode: FeeMode, panel: PurchasePanel | None, now: datetime, timezone: str = "UTC",
    offer: TierOffer | None = None,
) -> TierRow:
    """`panel` is None when this tier cannot be bought right now (event or tier not on sale); `offer`
    is the tier with the buyer's access code applied (its price, whether the code unlocked it)."""
    not_on_sale = None if panel is not None else sale_window_text(tier, now, timezone)
    with ui.row().classes(CARD_CLASSES).props(f"data-testid=tier-{tier.id}") as card:
        with ui.column().classes("grow gap-1 min-w-0 mr-2"):
            ui.html(coded_tier_text(offer, currency, fee_mode, not_on_sale)
                    or tier_text(tier, currency, fee_mode, not_on_sale), sanitize=False)
            badge = LiveBadge(availability_text(tier.available, tier.capacity)).classes(
                badge_classes(tier.available, tier.capacity)
            ).props(f"data-testid=available-{tier.id}")
        if panel is not None:
            panel.stepper(tier)
    if tier.available == 0:
        card.classes("grayscale")  # sold out: greyed, not faded (opacity took the small print under 4.5:1)
    return TierRow(capacity=tier.capacity, available=tier.available, badge=badge, card=card)
