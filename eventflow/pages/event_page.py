"""`/e/{slug}`: the public event page with each tier's live remaining count.

The page never polls. Each change of the event's counts reaches every open page as ONE socket.io
message per event (components/live_counts.py, written into the badges by static/live_counts.js);
then the page's `remember_counts` keeps the server's copy of the counts right, silently.
What never changes is rendered as a few `ui.html` blocks: every NiceGUI element costs memory on
every open page, and a popular event has thousands of them open.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from nicegui import ui

from eventflow.domain.access_codes import BuyerView
from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event, EventStatus, TierCount
from eventflow.domain.money import FeeMode
from eventflow.i18n import N_, _
from eventflow.pages.components.code_entry import CodeEntry, read_offer
from eventflow.pages.components.event_status_banner import event_status_banner
from eventflow.pages.components.formatting import event_when, fee_words
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.live_counts import SCRIPT_URL, LiveCounts, serve_script
from eventflow.pages.components.more_like_this import more_like_this
from eventflow.pages.components.purchase import PurchasePanel
from eventflow.pages.components.resume_checkout import ResumeCheckout
from eventflow.pages.components.rich_links import add_event_links
from eventflow.pages.components.share_buttons import share_buttons
from eventflow.pages.components.tier_card import TierRow, live_state, tier_card
from eventflow.pages.components.traffic_capture import count_visit
from eventflow.pages.components.waiting_room_panel import waiting_room_or
from eventflow.pages.components.waitlist_join import with_waiting
from eventflow.pages.components.waitlist_live import LiveWaitlistJoins
from eventflow.services import Services

ICON = '<i class="q-icon notranslate material-icons shrink-0" aria-hidden="true">{}</i>'


def event_header(event: Event, has_cover: bool) -> str:
    """Cover, title, when and where, as HTML (the status banner and the description follow)."""
    parts = []
    if has_cover:
        parts.append(f'<img src="/covers/{escape(event.id)}.jpg" alt="{escape(event.title)}" '
                     'class="w-full rounded-lg max-h-80 object-cover">')
    parts.append(f'<h1 class="text-3xl font-bold leading-tight">{escape(event.title)}</h1>')
    when = escape(event_when(event.starts_at, event.ends_at, event.timezone))
    parts.append(f'<div class="flex no-wrap items-center gap-1 text-slate-700">{ICON.format("event")}'
                 f'<span>{when}</span></div>')
    if event.venue:
        parts.append(f'<div class="flex no-wrap items-center gap-1 text-slate-600">{ICON.format("place")}'
                     f'<span>{escape(event.venue)}</span></div>')
    return "".join(parts)  # a cancellation or a new date: components/event_status_banner.py


def tickets_heading(event: Event) -> str:
    note = ""
    if event.fee_mode is FeeMode.BUYER_PAYS:
        words = _("Platform fee: {fee}, shown before you pay. Free tickets have no fee.").format(
            fee=fee_words(event.currency))
        note = f'<div class="text-xs text-slate-500">{escape(words)}</div>'
    heading_text = escape(_("Tickets"))
    return f'<h2 class="text-xl font-semibold">{heading_text}</h2>{note}'


def register(services: Services) -> None:
    serve_script()
    live = LiveCounts(services.hub, with_waiting(live_state, services.waitlist))  # + people waiting (issue 13)

    @ui.page("/e/{slug}")
    async def event_page(slug: str, code: str | None = None) -> None:
        try:
            view = await services.off_loop(services.catalog.public_event_by_slug, slug)
        except NotFound:
            not_found(N_("event"))
            return
        event = view.event
        count_visit(services, event)  # views per source, no cookie (components/traffic_capture.py)
        offer, code_problem = await read_offer(services, view, code)  # ?code=: hidden tiers, prices (code_entry.py)
        ui.add_head_html(f'<script src="{SCRIPT_URL}"></script>')
        await add_event_links(services, view)  # Open Graph, JSON-LD, canonical: in the first HTML answer
        with frame(event.title):
            if event.status is EventStatus.PUBLISHED:  # a hold this browser left at checkout: resume or release
                ResumeCheckout(event.id)
            ui.html(event_header(event, services.covers.exists(event.id)), sanitize=False).classes(
                "w-full flex flex-col gap-1")
            await event_status_banner(services, event)  # cancelled / postponed, in the buyer's words
            if event.description:
                ui.markdown(event.description).classes("text-slate-800")
            share_buttons(event, services.settings.public_url)
            on_offer = event.status is not EventStatus.CANCELLED  # a cancelled event's tiers are not for sale
            if on_offer:
                ui.html(tickets_heading(event), sanitize=False).classes("mt-2")
            if event.status is EventStatus.PUBLISHED:
                CodeEntry(services, offer, code_problem, code)  # "Have a code?", or the one applied
            panel = PurchasePanel(services, view, offer) if event.status is EventStatus.PUBLISHED else None
            rows = tickets(offer, panel, services.ticketing.clock.now()) if on_offer else {}
            joins = LiveWaitlistJoins(services, view, rows) if event.status is EventStatus.PUBLISHED else None
            if panel is not None:
                await waiting_room_or(services, event, panel.form)  # a waiting room first (issue 13)
            await more_like_this(services, event)  # same organizer, tags, city, dates (more_like_this.py)

        def remember_counts(counts: list[TierCount]) -> None:  # the hub read them: no store call here
            for count in counts:
                row = rows.get(count.tier_id)
                if row is not None:
                    row.remember(count)
                if panel is not None:
                    panel.availability_changed(count.tier_id, count.available)
            if joins is not None:  # a tier sold out while the page is open: its "Join the waitlist" (issue 13)
                joins.counts_changed(counts)

        live.watch(event.id, ui.context.client, remember_counts,  # hidden tiers' counts only to code holders
                   hidden={t.id for t in view.tiers if t.hidden},
                   unlocked={o.tier.id for o in offer.tiers if o.tier.hidden})


def tickets(offer: BuyerView, panel: PurchasePanel | None, now: datetime) -> dict[str, TierRow]:
    """A card per tier this buyer may see (public ones, and hidden ones their code unlocks: the domain's
    `buyer_view`); a stepper on those that can be bought right now."""
    event = offer.event
    return {
        o.tier.id: tier_card(o.tier, event.currency, FeeMode(event.fee_mode),
                             panel if o.tier.on_sale_at(now) else None, now, event.timezone, offer=o)
        for o in offer.tiers
    }
