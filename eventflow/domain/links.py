"""The addresses EventFlow hands out: event pages, ticket wallets, door staff links.

One home, so a mail, the API and a page never disagree on where a ticket lives."""

from __future__ import annotations


def event_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/e/{slug}"


def event_path(slug: str) -> str:
    return f"/e/{slug}"


def ticket_url(base_url: str, ticket_id: str, access_key: str) -> str:
    """The holder's wallet; the access key is the capability, so the link is the ticket."""
    return f"{base_url.rstrip('/')}{ticket_path(ticket_id, access_key)}"


def ticket_path(ticket_id: str, access_key: str) -> str:
    return f"/t/{ticket_id}?k={access_key}"


def staff_link(base_url: str, event_id: str, token: str) -> str:
    """The door link; the token rides in the fragment, which browsers never send to servers or logs."""
    return f"{base_url.rstrip('/')}/scan/{event_id}#staff={token}"


def order_path(reservation_id: str) -> str:
    return f"/r/{reservation_id}"


def checkout_path(reservation_id: str) -> str:
    return f"/checkout/{reservation_id}"
