"""The port disputes persist through (`DisputeStore`): on SQLite, DynamoDB and the in-memory fake,
part of every backend's store (`StoreWithPayments`). The use case: `disputes.py`."""

from __future__ import annotations

from typing import Protocol

from eventflow.domain.payments.records import Dispute


class DisputeStore(Protocol):
    """What disputes persist (SQLite, DynamoDB and the fake; tests/payments/test_disputes.py)."""

    def save_dispute(self, dispute: Dispute) -> None:
        """Insert or overwrite the dispute (keyed by its id); the caller holds the payment's lease."""

    def get_dispute(self, dispute_id: str) -> Dispute | None: ...

    def list_disputes(self, event_id: str) -> list[Dispute]:
        """The event's disputes ordered by (opened_at, id)."""

    def order_disputes(self, order_id: str) -> list[Dispute]:
        """The disputes of one order (usually none or one), ordered by (opened_at, id)."""

    def admits_disputed_tickets(self, organizer_id: str) -> bool:
        """The organizer's choice: let disputed tickets in (flagged) instead of refusing them; False
        until set."""

    def set_admits_disputed_tickets(self, organizer_id: str, admit: bool) -> None: ...
