"""NiceGUI screens, one module per screen; `register` attaches them all to the app."""

from __future__ import annotations

from eventflow.services import Services


def register(services: Services) -> None:
    from eventflow.pages.components.door_assets import install_door_assets

    install_door_assets()
    from eventflow.pages import (
        account,
        checkout,
        dashboard,
        demo_payment,
        event_dashboard,
        event_editor,
        event_page,
        home,
        login,
        order,
        payments_setup,
        scanner,
        stripe_return,
        ticket,
    )

    for screen in (home, event_page, checkout, demo_payment, order, ticket, login, account, dashboard,
                   event_editor, event_dashboard, scanner, stripe_return, payments_setup):
        screen.register(services)
