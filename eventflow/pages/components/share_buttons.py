"""Share and "Add to calendar" on the public event page: plain links and two small inline handlers.

Everything is one static HTML block (each NiceGUI element costs memory on every open page, and a
popular event has thousands open) whose buttons work without a server round trip:
- "Share…" opens the phone's share sheet (`navigator.share`) and copies the link where there is none;
- "Copy link" uses the Clipboard API, with a selection copy where it is missing (plain http);
- WhatsApp, X and Facebook are their documented share URLs, opened in a new tab;
- calendars: Google and Outlook take the event in their "new event" URLs (times in UTC with the
  event's timezone named), Apple Calendar (and any other) takes `/e/{slug}.ics` (app/seo.py).
The pages' Content-Security-Policy allows inline handlers (app/headers.py explains why it must).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from nicegui import ui

from eventflow.domain.links import event_url
from eventflow.domain.models import Event, EventStatus

BUTTON = ("inline-flex items-center gap-1 min-h-[44px] px-3 rounded-full border border-slate-300 bg-white "
          "text-slate-800 text-sm no-underline hover:bg-slate-100 cursor-pointer")
ICON = '<i class="q-icon notranslate material-icons text-base" aria-hidden="true">{}</i>'

SCRIPT = """<script>
window.eventflowShare = {
  copy: function (button) {
    var url = button.dataset.url, label = button.querySelector("span");
    function done() {
      if (!label) return;
      label.textContent = "Link copied";
      setTimeout(function () { label.textContent = "Copy link"; }, 2500);
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
  native: function (button) {
    if (navigator.share) {
      navigator.share({title: button.dataset.title, url: button.dataset.url}).catch(function () {});
    } else {
      window.eventflowShare.copy(document.querySelector('[data-testid="share-copy"]') || button);
    }
  }
};
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
    return (f'<a href="{escape(href)}" class="{BUTTON}" data-testid="{testid}"{target}>'
            f'{ICON.format(icon)}<span>{escape(label)}</span></a>')


def share_html(event: Event, base_url: str) -> str:
    page = event_url(base_url, event.slug)
    data = f'data-url="{escape(page)}" data-title="{escape(event.title)}"'
    social = share_links(event, page)
    parts = [
        '<div class="flex flex-wrap gap-2 items-center" role="group" aria-label="Share this event">',
        f'<button type="button" class="{BUTTON} font-semibold text-violet-800" {data} data-testid="share-native" '
        f'onclick="eventflowShare.native(this)">{ICON.format("ios_share")}<span>Share…</span></button>',
        f'<button type="button" class="{BUTTON}" {data} data-testid="share-copy" '
        f'onclick="eventflowShare.copy(this)">{ICON.format("link")}<span>Copy link</span></button>',
        link(social["whatsapp"], "WhatsApp", "chat", "share-whatsapp"),
        link(social["x"], "X", "alternate_email", "share-x"),
        link(social["facebook"], "Facebook", "thumb_up", "share-facebook"),
        "</div>",
    ]
    if event.status is not EventStatus.CANCELLED:
        parts += [
            '<div class="flex flex-wrap gap-2 items-center" role="group" aria-label="Add to calendar">',
            '<span class="text-sm text-slate-600 mr-1">Add to calendar:</span>',
            link(google_calendar_url(event, page), "Google", "event", "calendar-google"),
            link(f"/e/{event.slug}.ics", "Apple / .ics", "calendar_month", "calendar-apple", download=True),
            link(outlook_calendar_url(event, page), "Outlook", "event_available", "calendar-outlook"),
            "</div>",
        ]
    return "".join(parts)


def share_buttons(event: Event, base_url: str) -> None:
    """The share and calendar rows, placed where the caller is (one element, plus a head script)."""
    ui.add_head_html(SCRIPT)
    ui.html(share_html(event, base_url), sanitize=False).classes("w-full flex flex-col gap-2").props(
        "data-testid=share-buttons")
