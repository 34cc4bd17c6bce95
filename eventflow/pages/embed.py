"""`/embed/e/{slug}`: the ticket widget an organizer puts on their own site (an iframe; the snippet is
in the event editor, pages/components/embed_snippet.py).

The tiers with their live "N left" badges (the same one-message-per-change fan-out as the event page,
components/live_counts.py, written by static/live_counts.js), a quantity per tier, the buyer's name and
email, and "Buy tickets": a plain HTML form posted to `/embed/e/{slug}/buy` with `target="_blank"`, so
the hold is taken by our server and checkout opens in a new tab, outside the organizer's page (card
details are never typed inside someone else's site, and no popup blocker is involved: a form's new tab
is the click's own navigation). The form works without the page's websocket.

Only `/embed/` may be framed, by any site (app/headers.py); the page reports its height to the parent
(`postMessage`) so the snippet's iframe fits it on phones.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from html import escape

from nicegui import app, ui
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from eventflow.domain.errors import DomainError, NotFound, SoldOut
from eventflow.domain.links import checkout_path, event_path
from eventflow.domain.models import Buyer, EventStatus, EventView, Tier, TierCount
from eventflow.domain.money import FeeMode, TicketPrice
from eventflow.domain.reservations import LineRequest
from eventflow.i18n import _, current_visitor, error_text, use_visitor, visitor_from
from eventflow.pages.components.formatting import approximate, availability_text, event_when, money, price_label
from eventflow.pages.components.frame import html_lang
from eventflow.pages.components.live_counts import SCRIPT_URL, LiveCounts
from eventflow.pages.components.tier_card import LiveBadge, badge_classes, live_state
from eventflow.services import Services

EMBED_PREFIX = "/embed/e/"
FORM_ID = "eventflow-buy"
MAX_QUANTITY = 10  # choices offered per tier; the tier's own max-per-order still applies when reserving
FIELD = "w-full border border-slate-300 rounded px-3 min-h-[44px] text-base bg-white"
# Tells the parent page our height whenever it changes (the snippet's listener sizes the iframe).
RESIZE_SCRIPT = """<style>
/* The layout's min-height (the iframe's height) plus a pixel made a scrollbar: only content sets the height. */
.q-layout, .q-page { min-height: 0 !important; }
</style>
<script>
(function () {
  function report() {  // the widget's own bottom: the document itself is never shorter than the iframe
    var widget = document.querySelector('[data-testid="embed"]');
    if (!widget) return;
    var height = Math.ceil(widget.getBoundingClientRect().bottom + window.scrollY) + 16;
    parent.postMessage({eventflowEmbed: location.pathname, height: height}, "*");
  }
  function watch() {  // the widget is rendered by the page's script: wait for it, then follow its size
    var widget = document.querySelector('[data-testid="embed"]');
    if (!widget) { setTimeout(watch, 50); return; }
    new ResizeObserver(report).observe(widget);
    report();
  }
  window.addEventListener("load", watch);
})();
</script>"""


def embed_path(slug: str) -> str:
    return f"{EMBED_PREFIX}{slug}"


def tier_html(tier: Tier, currency: str, fee_mode: FeeMode, on_sale: bool) -> str:
    price = TicketPrice.of(tier.price_minor, currency, fee_mode)
    fee_text = _("+ {amount} fee").format(amount=money(price.fee_minor, currency))
    fee = (f' <span class="text-xs text-slate-500">{escape(fee_text)}</span>'
           if fee_mode is FeeMode.BUYER_PAYS and price.fee_minor else "")
    most = min(MAX_QUANTITY, tier.max_per_order, tier.available) if on_sale else 0
    options = "".join(f'<option value="{n}">{n}</option>' for n in range(most + 1))
    label = _("Number of {tier} tickets").format(tier=tier.name)
    approx = approximate(tier.price_minor, currency)  # only with the operator's rates
    about = f'<div class="text-xs text-slate-500">{escape(approx)}</div>' if approx else ""
    choose = (f'<select name="qty-{escape(tier.id)}" form="{FORM_ID}" aria-label="{escape(label)}" '
              f'class="w-[4.5rem] border border-slate-300 rounded min-h-[44px] px-2 bg-white" '
              f'data-testid="embed-qty-{escape(tier.id)}">{options}</select>' if most else "")
    return (f'<div class="flex items-center gap-2 w-full"><div class="grow min-w-0">'
            f'<div class="font-semibold truncate">{escape(tier.name)}</div>'
            f'<div class="text-sm">{escape(price_label(tier.price_minor, currency))}{fee}</div>{about}</div>'
            f'{choose}</div>')


def form_html(slug: str, can_buy: bool) -> str:
    page_words, not_here = escape(_("event page")), escape(_("Tickets are not on sale here. See the {page}."))
    page = f'<a href="{escape(event_path(slug))}" target="_blank" rel="noopener" class="text-violet-800 underline">' \
           f'{page_words}</a>'
    if not can_buy:
        return f'<div class="text-sm text-slate-600">{not_here.replace("{page}", page)}</div>'
    name, email = escape(_("Your name")), escape(_("Email for your tickets"))
    buy_words, opens = escape(_("Buy tickets")), escape(_("Checkout opens in a new tab."))
    sold_with = escape(_("Sold with EventFlow · {page}")).replace("{page}", page)
    return (
        f'<form id="{FORM_ID}" method="post" action="{escape(embed_path(slug))}/buy" target="_blank" '
        'class="flex flex-col gap-2 w-full m-0" data-testid="embed-form">'
        f'<input type="hidden" name="key" value="{secrets.token_urlsafe(16)}">'
        f'<input name="name" required maxlength="120" autocomplete="name" placeholder="{name}" '
        f'aria-label="{name}" class="{FIELD}" data-testid="embed-name">'
        f'<input name="email" type="email" required autocomplete="email" placeholder="{email}" '
        f'aria-label="{email}" class="{FIELD}" data-testid="embed-email">'
        '<button type="submit" class="w-full min-h-[48px] rounded bg-violet-800 text-white font-semibold text-base '
        f'cursor-pointer" data-testid="embed-buy">{buy_words}</button>'
        f'<div class="text-xs text-slate-500 text-center">{opens} '
        f'{sold_with}</div></form>')


def problem_page(title: str, detail: str, slug: str, status: int) -> HTMLResponse:
    """What the new tab shows when the hold could not be taken: readable, with the way on."""
    lang = current_visitor().html_lang
    again = escape(_("Choose again on the event page"))
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            '<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">'
            f'<h1 style="font-size:1.4rem">{escape(title)}</h1><p data-testid="embed-problem">{escape(detail)}</p>'
            f'<p><a href="{escape(event_path(slug))}">{again}</a></p></body></html>')
    return HTMLResponse(body, status_code=status)


async def buy(services: Services, request: Request, slug: str) -> Response:
    """The widget's form: take the hold, then on to checkout (in the tab the form opened)."""
    with use_visitor(visitor_from(request.headers, request.cookies)):  # a plain route: no NiceGUI client
        return await buy_in_language(services, request, slug)


async def buy_in_language(services: Services, request: Request, slug: str) -> Response:
    try:
        view = await services.off_loop(services.catalog.public_event_by_slug, slug)
    except NotFound:
        return problem_page(_("No such event"), _("This event does not exist (or is not public yet)."), slug, 404)
    form = await request.form()
    lines = []
    for tier in view.tiers:
        text = str(form.get(f"qty-{tier.id}", "0"))
        quantity = int(text) if text.isdigit() and len(text) < 4 else 0
        if quantity and not tier.hidden:
            lines.append(LineRequest(tier.id, quantity))
    if not lines:
        return problem_page(_("No tickets chosen"), _("Choose at least one ticket."), slug, 422)
    buyer = Buyer(email=str(form.get("email", ""))[:320], name=str(form.get("name", ""))[:200],
                  language=current_visitor().language)  # their mails' language
    key = str(form.get("key", ""))[:64] or None
    try:
        reservation = await services.off_loop(services.ticketing.reserve, view.event.id, lines, buyer,
                                              idempotency_key=key)
    except SoldOut as error:
        names = [t.name for t in view.tiers if t.id in error.tier_ids]
        return problem_page(_("Not enough tickets left"), _("Not enough {tiers} left. Please choose fewer.").format(
            tiers=", ".join(names) or _("tickets")), slug, 409)
    except DomainError as error:
        return problem_page(_("Those tickets could not be reserved"), error_text(error), slug, 422)
    return RedirectResponse(checkout_path(reservation.id), status_code=303)


def register(services: Services) -> None:
    live = LiveCounts(services.hub, live_state)

    @ui.page(EMBED_PREFIX + "{slug}", title="Tickets · EventFlow")
    async def widget(slug: str) -> None:
        try:
            view = await services.off_loop(services.catalog.public_event_by_slug, slug)
        except NotFound:
            ui.status_code(404)
            ui.label(_("No such event.")).classes("p-4 text-slate-600").props("data-testid=embed-missing")
            return
        ui.add_head_html(f'<script src="{SCRIPT_URL}"></script>{RESIZE_SCRIPT}')
        html_lang()  # the embedding site's visitor's language: their browser's Accept-Language
        ui.page_title(_("Tickets") + " · EventFlow")
        badges = show(view, services.ticketing.clock.now())

        def remember(counts: list[TierCount]) -> None:
            for count in counts:
                badge = badges.get(count.tier_id)
                if badge is not None:
                    badge.text = availability_text(count.available, count.capacity)

        live.watch(view.event.id, ui.context.client, remember, hidden={t.id for t in view.tiers if t.hidden})

    @app.post(EMBED_PREFIX + "{slug}/buy", include_in_schema=False)
    async def buy_route(slug: str, request: Request) -> Response:
        return await buy(services, request, slug)


def show(view: EventView, now: datetime) -> dict[str, LiveBadge]:
    """The widget's content; returns each tier's live badge."""
    event = view.event
    on_sale = event.status is EventStatus.PUBLISHED
    ui.query("body").classes("bg-white")
    ui.context.client.content.style("padding: 0")  # the widget's own margin is enough inside an iframe
    badges: dict[str, LiveBadge] = {}
    with ui.column().classes("w-full max-w-md mx-auto p-3 gap-3").props("data-testid=embed"):
        when = event_when(event.starts_at, event.ends_at, event.timezone)
        cancelled = escape(_("This event has been cancelled."))
        ui.html(f'<div class="text-lg font-bold leading-tight">{escape(event.title)}</div>'
                f'<div class="text-sm text-slate-600">{escape(when)}</div>'
                f'<div class="text-sm text-slate-600">{escape(event.venue)}</div>'
                + (f'<div class="text-red-800 font-medium">{cancelled}</div>'
                   if event.status is EventStatus.CANCELLED else ""), sanitize=False).classes("w-full")
        for tier in view.tiers:
            if tier.hidden:
                continue
            buyable = on_sale and tier.on_sale_at(now)
            with ui.column().classes("w-full gap-1 p-3 rounded-lg border border-slate-200").props(
                    f"data-testid=tier-{tier.id}"):
                ui.html(tier_html(tier, event.currency, FeeMode(event.fee_mode), buyable), sanitize=False).classes(
                    "w-full")
                badges[tier.id] = LiveBadge(availability_text(tier.available, tier.capacity)).classes(
                    badge_classes(tier.available, tier.capacity)).props(f"data-testid=available-{tier.id}")
        ui.html(form_html(event.slug, on_sale), sanitize=False).classes("w-full")
    return badges
