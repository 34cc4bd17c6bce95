"""Share and "Add to calendar" on the public event page: two small menus, plain links, inline handlers.

Everything is one static HTML block (each NiceGUI element costs memory on every open page, and a
popular event has thousands open) and works without a server round trip, in one row on a phone so
the tickets stay near the top:
- "Share": on a phone (where `navigator.share` exists) one tap opens the system share sheet, which
  has every app and "copy"; elsewhere it opens a menu with "Copy link" (Clipboard API, a selection
  copy where it is missing, e.g. plain http), WhatsApp, X and Facebook (their documented share URLs).
- "Add to calendar": Google and Outlook take the event in their "new event" URLs (times in UTC, the
  event's timezone named), Apple Calendar (and any other) takes `/e/{slug}.ics` (app/seo.py).
The menus are <details> elements (open and close without script); the pages' Content-Security-Policy
allows the inline handlers (app/headers.py explains why it must).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from nicegui import ui

from eventflow.domain.links import event_url
from eventflow.domain.models import Event, EventStatus
from eventflow.i18n import _

BUTTON = ("inline-flex items-center gap-1 min-h-[44px] px-3 rounded-full border border-slate-300 bg-white "
          "text-slate-800 text-sm no-underline hover:bg-slate-100 cursor-pointer select-none list-none")
ITEM = ("flex items-center gap-2 min-h-[44px] px-3 text-sm text-slate-800 no-underline hover:bg-slate-100 "
        "cursor-pointer w-full text-left bg-transparent border-0")
MENU = "absolute left-0 mt-1 z-10 min-w-[12rem] py-1 rounded-lg bg-white shadow-lg border border-slate-200"
ICON = '<i class="q-icon notranslate material-icons text-base" aria-hidden="true">{}</i>'

SCRIPT = """<style>details[data-share-menu] > summary::-webkit-details-marker { display: none; }</style>
<script>
window.eventflowShare = {
  copy: function (button) {
    var url = button.dataset.url, label = button.querySelector("span");
    function done() {
      if (!label) return;
      label.textContent = button.dataset.copied || "Link copied";  // the page's language (data-copied)
      setTimeout(function () { label.textContent = button.dataset.copy || "Copy link"; }, 2500);
    }
    function fallback() {
      var field = document.createElement("textarea");
      field.value = url; field.setAttribute("readonly", ""); field.style.position = "fixed"; field.style.opacity = "0";
      document.body.appendChild(field); field.select();
      try { document.execCommand("copy"); } catch (e) {}
      field.remove(); done();
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).then(done, fallback);
    else fallback();
  },
  // The Share summary: the system sheet where there is one (phones), the menu elsewhere.
  open: function (summary, clickEvent) {
    if (!navigator.share) return;
    clickEvent.preventDefault();
    navigator.share({title: summary.dataset.title, url: summary.dataset.url}).catch(function () {});
  }
};
document.addEventListener("click", function (e) {  // a click elsewhere closes an open menu
  document.querySelectorAll("details[data-share-menu][open]").forEach(function (menu) {
    if (!menu.contains(e.target)) menu.removeAttribute("open");
  });
});
</script>"""


def utc_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(event: Event, page: str) -> str:
    query = {"action": "TEMPLATE", "text": event.title,
             "dates": f"{utc_stamp(event.starts_at)}/{utc_stamp(event.ends_at)}", "ctz": event.timezone,
             "details": page, "location": event.venue.strip()}
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: Event, page: str) -> str:
    query = {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
             "startdt": event.starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
             "enddt": event.ends_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
             "body": page, "location": event.venue.strip()}
    return "https://outlook.live.com/calendar/0/action/compose?" + urlencode(query)


def share_links(event: Event, page: str) -> dict[str, str]:
    words = f"{event.title} {page}"
    return {
        "whatsapp": "https://wa.me/?" + urlencode({"text": words}),
        "x": "https://x.com/intent/post?" + urlencode({"text": event.title, "url": page}),
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page}),
    }


def link(href: str, label: str, icon: str, testid: str, download: bool = False) -> str:
    target = "" if download else ' target="_blank" rel="noopener noreferrer"'
    return (f'<a href="{escape(href)}" class="{ITEM}" data-testid="{testid}"{target}>'
            f'{ICON.format(icon)}<span>{escape(label)}</span></a>')


def menu(label: str, icon: str, testid: str, items: list[str], summary_attributes: str = "") -> str:
    return (f'<details class="relative" data-share-menu data-testid="{testid}">'
            f'<summary class="{BUTTON}" {summary_attributes}>{ICON.format(icon)}<span>{escape(label)}</span>'
            f'{ICON.format("expand_more")}</summary><div class="{MENU}">{"".join(items)}</div></details>')


def share_html(event: Event, base_url: str) -> str:
    page = event_url(base_url, event.slug)
    data = f'data-url="{escape(page)}" data-title="{escape(event.title)}"'
    social = share_links(event, page)
    copy_words, copied_words = escape(_("Copy link")), escape(_("Link copied"))
    share = menu(_("Share"), "ios_share", "share-menu", [
        f'<button type="button" class="{ITEM}" {data} data-testid="share-copy" onclick="eventflowShare.copy(this)" '
        f'data-copy="{copy_words}" data-copied="{copied_words}">'
        f'{ICON.format("link")}<span>{copy_words}</span></button>',
        link(social["whatsapp"], "WhatsApp", "chat", "share-whatsapp"),
        link(social["x"], "X (Twitter)", "alternate_email", "share-x"),
        link(social["facebook"], "Facebook", "thumb_up", "share-facebook"),
    ], f'{data} data-testid="share-native" onclick="eventflowShare.open(this, event)"')
    group_label = escape(_("Share this event"))
    parts = [f'<div class="flex flex-wrap gap-2 items-center" role="group" aria-label="{group_label}">', share]
    if event.status is not EventStatus.CANCELLED:
        parts.append(menu(_("Add to calendar"), "event", "calendar-menu", [
            link(google_calendar_url(event, page), _("Google Calendar"), "event", "calendar-google"),
            link(f"/e/{event.slug}.ics", _("Apple Calendar (.ics)"), "calendar_month", "calendar-apple", download=True),
            link(outlook_calendar_url(event, page), "Outlook", "event_available", "calendar-outlook"),
        ]))
    parts.append("</div>")
    return "".join(parts)


def share_buttons(event: Event, base_url: str) -> None:
    """The share and calendar rows, placed where the caller is (one element, plus a head script)."""
    ui.add_head_html(SCRIPT)
    ui.html(share_html(event, base_url), sanitize=False).classes("w-full").props(
        "data-testid=share-buttons")
