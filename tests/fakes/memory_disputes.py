"""`DisputeStore` in memory, for the domain tests (a mixin of `InMemoryStore`)."""

from __future__ import annotations

from eventflow.domain.payments.records import Dispute


class InMemoryDisputesMixin:
    def __init__(self) -> None:
        self._disputes: dict[str, Dispute] = {}
        self._admit_disputed: dict[str, bool] = {}

    def save_dispute(self, dispute: Dispute) -> None:
        self._disputes[dispute.id] = dispute

    def get_dispute(self, dispute_id: str) -> Dispute | None:
        return self._disputes.get(dispute_id)

    def list_disputes(self, event_id: str) -> list[Dispute]:
        return sorted((d for d in self._disputes.values() if d.event_id == event_id), key=lambda d: (d.opened_at, d.id))

    def order_disputes(self, order_id: str) -> list[Dispute]:
        return sorted((d for d in self._disputes.values() if d.order_id == order_id), key=lambda d: (d.opened_at, d.id))

    def admits_disputed_tickets(self, organizer_id: str) -> bool:
        return self._admit_disputed.get(organizer_id, False)

    def set_admits_disputed_tickets(self, organizer_id: str, admit: bool) -> None:
        self._admit_disputed[organizer_id] = admit
