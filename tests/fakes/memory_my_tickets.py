"""`InMemoryStore`'s My tickets index, used sign-in links and pass settings (MyTicketsStore)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from eventflow.domain.my_tickets import TicketOwner


class InMemoryMyTicketsMixin:
    _lock: threading.Lock

    def __init__(self) -> None:
        self._owners: dict[tuple[str, str], TicketOwner] = {}
        self._sign_ins: set[str] = set()
        self._passes_forbidden: set[str] = set()

    def add_ticket_owners(self, owners: Sequence[TicketOwner]) -> None:
        with self._lock:
            for owner in owners:
                self._owners.setdefault((owner.email, owner.ticket_id), owner)

    def tickets_of(self, email: str) -> list[TicketOwner]:
        with self._lock:
            return sorted((o for (e, _), o in self._owners.items() if e == email), key=lambda o: o.ticket_id)

    def claim_sign_in(self, nonce: str, expires_at: datetime) -> bool:
        with self._lock:
            if nonce in self._sign_ins:
                return False
            self._sign_ins.add(nonce)
            return True

    def passes_forbidden(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._passes_forbidden

    def set_passes_forbidden(self, event_id: str, forbidden: bool) -> None:
        with self._lock:
            (self._passes_forbidden.add if forbidden else self._passes_forbidden.discard)(event_id)
