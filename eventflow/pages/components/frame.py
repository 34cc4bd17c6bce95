"""The shared page frame: header with the brand and a centred, phone-first content column; the
"not found" page every screen answers with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from html import escape

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from eventflow.domain.models import Organizer
from eventflow.i18n import CURRENCY_COOKIE, LANGUAGE_COOKIE, LANGUAGE_NAMES, N_, SUPPORTED, _, current_visitor
from eventflow.pages.components.formatting import rate_currencies

BRAND_COLOR = "#5b21b6"
# 44 px tall touch targets (WCAG 2.2 target size), no underline until hovered.
HEADER_LINK = "no-underline hover:underline text-slate-700 px-2 min-h-[44px] inline-flex items-center"
# A focus ring anyone can see when moving with the keyboard (WCAG 2.4.7 / 2.4.11); Quasar's own is a faint tint.
# Links without a colour of their own: blue-700 (6.7:1 on white; NiceGUI's blue-500 is 3.7:1). In the
# `components` layer, so a link's own Tailwind text colour (the `utilities` layer) still wins.
FOCUS_CSS = """
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
[tabindex]:focus-visible, .q-btn:focus-visible, .q-field--focused .q-field__control {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
@layer components { .nicegui-link { color: #1d4ed8; } }
"""
BRAND = ('<a href="/" class="nicegui-link no-underline text-inherit flex items-center gap-2 min-h-[44px]" '
         'aria-label="EventFlow, all events"><i class="q-icon notranslate material-icons text-violet-700" '
         'style="font-size: 28px" aria-hidden="true">confirmation_number</i>'
         '<div class="text-lg font-bold tracking-tight text-violet-800">EventFlow</div></a>')


@contextmanager
def frame(title: str | None = None, organizer: Organizer | None = None,
          organizer_login: bool = True) -> Iterator[ui.column]:
    """`organizer_login=False` on a buyer's own pages (My tickets): their sign-in is not the organizers'."""
    ui.colors(primary=BRAND_COLOR)
    html_lang()
    ui.page_title(f"{title} · EventFlow" if title else "EventFlow")
    ui.query("body").classes("bg-slate-50")
    ui.add_head_html(f"<style>{FOCUS_CSS}</style>")  # in the page's HTML, before any script runs
    # One row on a 360 px phone.
    with ui.header().classes("bg-white text-slate-900 shadow-sm items-center px-4 py-2 gap-x-1"):
        ui.html(BRAND, sanitize=False)  # one element, not three: each costs memory on every open page
        ui.space()
        # A buyer's phone has it in the footer (no room); an organizer's menu folds away to make room for it.
        language_switcher("inline-flex" if organizer else "inline-flex max-sm:hidden", "language-switcher")
        if organizer is None:
            # The way in for organizers (a buyer never needs an account): sign up, or log in.
            nav_label = _("Organizers")
            with ui.element("nav").classes("flex items-center gap-1 text-sm").props(f'aria-label="{nav_label}"'):
                my_tickets_link()  # a buyer's way back to every ticket of theirs (pages/my_tickets.py)
                ui.link(_("For organizers"), "/signup").classes(HEADER_LINK).props("data-testid=header-organizers")
                if organizer_login:
                    ui.link(_("Log in"), "/login").classes(HEADER_LINK + " font-semibold text-violet-800").props(
                        "data-testid=header-login")
        else:
            nav_label = _("Your account")
            with ui.element("nav").classes("flex items-center gap-1 text-sm").props(f'aria-label="{nav_label}"'):
                with ui.row().classes("items-center gap-1 max-sm:hidden"):
                    account_links()
                account_menu(nav_label)  # a phone: the same links behind one button, so the header stays one row
    width = "max-w-5xl" if organizer else "max-w-2xl"
    # <main>: screen readers jump straight to the page's own content, past the header.
    with ui.element("main").classes("w-full"), ui.column().classes(f"w-full {width} mx-auto px-4 py-4 gap-4") \
            as content:
        yield content
    # A plain footer, not ui.footer: a fixed bar would cover the buy button on small phones.
    # slate-600 on slate-50 is 7.2:1 (slate-400 was 2.5:1, under WCAG's 4.5:1 for small text).
    with ui.element("footer").classes("w-full text-center text-xs text-slate-600 py-4"):
        ui.label(_("EventFlow · fair-trade ticketing for independent organizers"))
        if organizer is None:  # an organizer's phone has it in the header
            language_switcher("inline-flex sm:hidden mt-2", "language-switcher-footer")  # no room in the header
        currency_switcher()


def account_links() -> None:
    """An organizer's Dashboard, Account and Log out."""
    ui.link(_("Dashboard"), "/dashboard").classes(HEADER_LINK)
    ui.link(_("Account"), "/account").classes(HEADER_LINK)
    logout_form(_("Log out"), "logout", "text-slate-700 underline cursor-pointer bg-transparent px-2 min-h-[44px]")


def account_menu(label: str) -> None:
    """The phone's menu button (sm:hidden) with the account links, one per line."""
    with ui.button(icon="menu").props(f'flat round color=grey-9 aria-label="{escape(label)}" '
                                      "data-testid=header-menu").classes("sm:hidden min-h-[44px] min-w-[44px]"):
        with ui.menu(), ui.column().classes("gap-0 py-1 text-sm"):
            ui.link(_("Dashboard"), "/dashboard").classes(HEADER_LINK + " px-4 w-full")
            ui.link(_("Account"), "/account").classes(HEADER_LINK + " px-4 w-full")
            logout_form(_("Log out"), "logout-menu",
                        "text-slate-700 underline cursor-pointer bg-transparent px-4 min-h-[44px]")


NOT_FOUND_THINGS = (N_("checkout"), N_("event"), N_("order"), N_("organizer"), N_("page"), N_("payment"),
                    N_("ticket"))


def my_tickets_link() -> None:
    """"My tickets" in the public header: on a phone its icon alone (named for screen readers), for room."""
    words = _("My tickets")
    with ui.link(target="/my-tickets").classes(HEADER_LINK + " gap-1 max-sm:px-1").props(
            f'data-testid=header-my-tickets aria-label="{escape(words)}"'):
        ui.icon("local_activity", size="22px").classes("text-violet-700").props('aria-hidden="true"')
        ui.label(words).classes("max-sm:hidden")


def html_lang() -> None:
    """`<html lang>` in the visitor's language. NiceGUI takes it from the page object all visitors share
    (app/wiring.py: en-GB): a reader of another language gets a copy of it for their client alone."""
    visitor = current_visitor()
    client = ui.context.client
    if visitor.html_lang != client.page.resolve_language():
        client.page = copy(client.page)
        client.page.language = visitor.html_lang  # type: ignore[assignment]  # "de"/"es": Quasar has both


# Remembered for a year in a cookie (no account needed); the page reloads in the chosen language.
SWITCH_SCRIPT = (f"document.cookie='{LANGUAGE_COOKIE}='+this.value+';path=/;max-age=31536000;SameSite=Lax';"
                 "location.reload()")


CURRENCY_SCRIPT = (f"document.cookie='{CURRENCY_COOKIE}='+this.value+';path=/;max-age=31536000;SameSite=Lax';"
                   "location.reload()")


def currency_switcher() -> None:
    """"Approximate prices in: [USD]" — only when the operator configured exchange rates. The visitor's
    country picks the currency until they choose one (i18n.Visitor.currency)."""
    currencies = rate_currencies()
    if not currencies:
        return
    current = current_visitor().currency
    options = "".join(f'<option value="{code}"{" selected" if code == current else ""}>{code}</option>'
                      for code in currencies)
    label = escape(_("Approximate prices in"))
    ui.html(
        f'<label class="inline-flex items-center gap-1 ml-2 mt-2 min-h-[44px]">{label} '
        f'<select data-testid="currency-switcher" onchange="{CURRENCY_SCRIPT}" '
        f'class="bg-transparent border border-slate-300 rounded px-1 min-h-[36px]">{options}</select></label>',
        sanitize=False,
    )


def language_switcher(classes: str, testid: str) -> None:
    """A plain <select> of the languages (works before the websocket connects, like the logout form)."""
    current = current_visitor().language
    label = escape(_("Language"))
    options = "".join(
        f'<option value="{code}" lang="{code}"{" selected" if code == current else ""}>{LANGUAGE_NAMES[code]}</option>'
        for code in SUPPORTED)
    ui.html(
        f'<label class="{classes} items-center gap-1 text-sm text-slate-700 min-h-[44px]">'
        f'<span class="sr-only">{label}</span>'
        f'<select data-testid="{testid}" onchange="{SWITCH_SCRIPT}" '
        f'class="bg-transparent border border-slate-300 rounded px-1 min-h-[36px]">{options}</select></label>',
        sanitize=False,
    )


def logout_form(label: str, testid: str, classes: str) -> None:
    """A button that logs out with a POST (a plain form: it works before the websocket connects)."""
    ui.html(
        f'<form method="post" action="/logout" class="m-0"><button type="submit" class="{classes}" '
        f'data-testid="{testid}">{label}</button></form>', sanitize=False,
    )


def heading(text: str, level: int = 1) -> TextElement:
    """A real <h1>/<h2>... (ui.label is a div), so screen readers can jump between headings."""
    return TextElement(tag=f"h{level}", text=text)


def not_found(what: str = "page", organizer: Organizer | None = None) -> None:
    """The readable "not found" page, answered with HTTP 404 (an unknown event, order, ticket...)."""
    ui.status_code(404)
    thing = _(what)  # "event", "order", "ticket", "page"... are msgids too (NOT_FOUND_THINGS)
    with frame(_("Not found"), organizer), ui.column().classes(
            "w-full items-center text-center gap-2 py-10").props("data-testid=not-found"):
        ui.icon("search_off", size="64px").classes("text-violet-300").props('aria-hidden="true"')
        ui.label(_("404 · not found")).classes("text-xs uppercase tracking-widest text-slate-500")
        heading(_("No such {what}.").format(what=thing)).classes("text-2xl font-bold text-slate-900 m-0")
        ui.label(_("This {what} does not exist (or is not public yet).").format(what=thing)).classes(
            "text-slate-600")
        ui.label(_("Check the link you were given; a typo in the address is the usual cause.")).classes(
            "text-sm text-slate-500")
        with ui.row().classes("gap-3 justify-center mt-4"):
            ui.link(_("Back to all events"), "/").classes(
                "no-underline bg-violet-800 text-white rounded px-4 min-h-[44px] inline-flex items-center")
            if organizer is None:
                ui.link(_("Organizer? Log in"), "/login").classes(HEADER_LINK + " text-violet-800")
            else:
                ui.link(_("Your dashboard"), "/dashboard").classes(HEADER_LINK + " text-violet-800")
