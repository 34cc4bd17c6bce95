"""The event editor's "Sell on your own site" panel: the widget's snippet to paste, a copy button, and
a live preview of the widget (pages/embed.py) as buyers will see it inside the organizer's site.

The snippet is an iframe plus an optional few lines of script that size it to the widget's height
(the widget posts it; only messages from our origin and from that very iframe are believed). The
iframe alone works too, at its fixed height.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlsplit

from nicegui import ui

from eventflow.domain.models import Event, EventStatus
from eventflow.i18n import _

WIDTH, HEIGHT = 480, 560  # px; the widget is one column, comfortable on phones and in a sidebar

COPY_SCRIPT = """
(function (button) {
  var field = document.querySelector('[data-testid="embed-snippet"]'), label = button.querySelector("span");
  function done() {
    label.textContent = COPIED;
    setTimeout(function () { label.textContent = COPY_SNIPPET; }, 2500);
  }
  function fallback() { field.select(); try { document.execCommand("copy"); } catch (e) {} done(); }
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, fallback);
  else fallback();
})(this)"""


# The preview sizes itself like the organizer's copy will (the widget posts its height).
PREVIEW_RESIZE = """<script>
window.addEventListener("message", function (e) {
  if (e.origin !== location.origin || !e.data || !e.data.eventflowEmbed) return;
  var preview = document.querySelector('[data-testid="embed-preview"]');
  if (preview && preview.contentWindow === e.source) preview.style.height = e.data.height + "px";
});
</script>"""


def snippet(base_url: str, event: Event) -> str:
    """What the organizer pastes into their page's HTML."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    source = f"{base_url}/embed/e/{event.slug}"
    frame = (f'<iframe src="{escape(source)}" title="Tickets: {escape(event.title)}" loading="lazy" '
             f'style="width:100%;max-width:{WIDTH}px;height:{HEIGHT}px;border:0"></iframe>')
    resize = ("<script>window.addEventListener(\"message\",function(e){"
              f"if(e.origin!==\"{origin}\"||!e.data||!e.data.eventflowEmbed)return;"
              f"document.querySelectorAll('iframe[src^=\"{origin}/embed/\"]').forEach(function(f){{"
              "if(f.contentWindow===e.source)f.style.height=e.data.height+\"px\";});});</script>")
    return f"{frame}\n{resize}"


def embed_panel(base_url: str, event: Event) -> None:
    """The panel, placed where the caller is."""
    with ui.card().classes("w-full gap-3").props("data-testid=embed-panel"):
        ui.label(_("Sell on your own site")).classes("text-lg font-semibold")
        ui.label(_("Paste this into your website's HTML: your tiers with live counts and a buy button; "
                   "checkout opens in a new tab.")).classes("text-sm text-slate-600")
        code = escape(snippet(base_url, event))
        copy_words, snippet_words = _("Copy snippet"), _("Widget snippet")
        script = COPY_SCRIPT.replace("COPIED", json.dumps(_("Copied"))).replace("COPY_SNIPPET", json.dumps(copy_words))
        ui.html(
            f'<textarea readonly rows="5" data-testid="embed-snippet" aria-label="{escape(snippet_words)}" '
            f'class="w-full font-mono text-xs p-2 border border-slate-300 rounded bg-slate-50">{code}</textarea>'
            f'<button type="button" data-testid="embed-copy" onclick="{escape(script)}" '
            'class="mt-2 inline-flex items-center gap-1 min-h-[44px] px-4 rounded bg-violet-800 text-white '
            'cursor-pointer"><i class="q-icon notranslate material-icons" aria-hidden="true">content_copy</i>'
            f'<span>{escape(copy_words)}</span></button>', sanitize=False).classes("w-full")
        if event.status is EventStatus.PUBLISHED:
            ui.add_head_html(PREVIEW_RESIZE)
            ui.label(_("Preview")).classes("text-sm font-medium text-slate-700")
            preview_words = escape(_("Widget preview"))
            ui.html(f'<iframe src="/embed/e/{escape(event.slug)}" title="{preview_words}" data-testid="embed-preview" '
                    f'style="width:100%;max-width:{WIDTH}px;height:{HEIGHT}px;border:1px solid #e2e8f0;'
                    'border-radius:8px"></iframe>', sanitize=False).classes("w-full")
        else:
            ui.label(_("The widget shows tickets once the event is published "
                       "(then reload this page for the preview).")) \
                .classes("text-sm text-slate-500").props("data-testid=embed-preview-later")
