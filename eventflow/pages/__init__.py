"""NiceGUI screens, one module per screen; `register` attaches them all to the app.

Screens import components (eventflow/pages/components), never each other."""

from __future__ import annotations

from eventflow.services import Services


def register(services: Services) -> None:
    from eventflow.pages import (
        account,
        browse,
        checkout,
        dashboard,
        demo_payment,
        embed,
        event_dashboard,
        event_editor,
        event_page,
        home,
        login,
        my_tickets,
        not_found,
        order,
        organizer_profile,
        password_reset,
        payments_setup,
        scanner,
        stripe_return,
        ticket,
        waitlist,
    )
    from eventflow.pages.components.door_assets import install_door_assets

    install_door_assets()
    for screen in (home, event_page, checkout, demo_payment, order, ticket, login, account, dashboard,
                   event_editor, event_dashboard, scanner, stripe_return, payments_setup, password_reset,
                   embed, browse, organizer_profile, waitlist, my_tickets, not_found):
        screen.register(services)
    if services.settings.oidc_issuer:
        from eventflow.pages import oidc_login

        oidc_login.register(services)
