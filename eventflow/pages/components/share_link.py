"""A link to hand on: its text, a "Copy link" button and its QR code.

Shared by the door staff links (staff_panel.py) and the codes' pre-sale links (codes_panel.py).
The copy runs in the browser, no round trip; where the Clipboard API is not allowed (over http on a
host other than localhost) it falls back to selecting the text and the copy command."""

from __future__ import annotations

import json

from nicegui import ui

from eventflow.i18n import _
from eventflow.pages.components.qr import qr_svg

COPY_JS = """(event) => {
  const link = document.querySelector(SELECTOR);
  const button = event.target.closest('button');
  const text = link.innerText.trim();
  const said = (words) => { const label = button.querySelector('.block');
    if (label) { const was = label.textContent; label.textContent = words;
                 setTimeout(() => { label.textContent = was; }, 2000); } };
  const bySelection = () => { const range = document.createRange(); range.selectNodeContents(link);
    const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    said(document.execCommand('copy') ? COPIED : PRESS_CTRL_C); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => said(COPIED), bySelection);
  } else { bySelection(); }
}"""


def copy_link_js(testid: str) -> str:
    """A click handler that copies the text of the element `data-testid=testid`; it says "Copied" on
    the button for two seconds (in the visitor's language)."""
    return COPY_JS.replace("SELECTOR", json.dumps(f'[data-testid="{testid}"]'), 1) \
        .replace("COPIED", json.dumps(_("Copied"))).replace("PRESS_CTRL_C", json.dumps(_("Press Ctrl+C")))


def link_text(link: str, testid: str) -> ui.label:
    """The link in a monospace box, selectable as a whole."""
    return ui.label(link).classes("font-mono text-sm break-all select-all bg-slate-100 rounded p-2 w-full") \
        .props(f"data-testid={testid}")


def copy_button(testid: str, button_testid: str) -> ui.button:
    return ui.button(_("Copy link"), icon="content_copy").props(f"outline data-testid={button_testid}") \
        .on("click", js_handler=copy_link_js(testid))


def qr_of(link: str, testid: str, what: str) -> ui.html:
    """The link's QR code, black on white, sized for a phone camera pointed at the screen."""
    words = _("QR code of {what}").format(what=what)
    return ui.html(qr_svg(link) if link else "", sanitize=False).classes("w-44 bg-white p-1 rounded shrink-0") \
        .props(f'data-testid={testid} role=img aria-label="{words}"')
