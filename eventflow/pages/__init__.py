"""NiceGUI screens, one module per screen; `register` attaches them all to the app."""

from __future__ import annotations

from eventflow.services import Services


def register(services: Services) -> None:
    from eventflow.pages import event_page, home

    home.register(services)
    event_page.register(services)
