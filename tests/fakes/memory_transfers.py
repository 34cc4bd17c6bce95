"""`InMemoryStore`'s ticket transfers: the ticket rewritten under the store's one lock (the lock
`admit` takes too), so a transfer and a check-in are ordered as on the real stores."""

from __future__ import annotations

import threading
from dataclasses import replace

from eventflow.domain.models import CheckIn, Ticket, TicketStatus
from eventflow.domain.my_tickets import TicketOwner, owner_after_transfer
from eventflow.domain.outbox import OutboxMessage, OutboxStatus
from eventflow.domain.transfers import TicketTransfer, TransferPolicy
from tests.fakes.round_trip import as_stored


class InMemoryTransfersMixin:
    _lock: threading.Lock
    _tickets: dict[str, Ticket]
    _checkins: dict[str, CheckIn]
    _owners: dict[tuple[str, str], TicketOwner]  # the My tickets index (memory_my_tickets.py)
    _outbox: dict[str, OutboxMessage]  # memory_outbox.py

    def __init__(self) -> None:
        self._transfers: list[TicketTransfer] = []
        self._transfer_policies: dict[str, TransferPolicy] = {}

    def transfer_ticket(self, before: Ticket, after: Ticket, record: TicketTransfer,
                        mail: OutboxMessage | None = None) -> bool:
        with self._lock:
            stored = self._tickets.get(before.id)
            if (stored is None or stored.secret != before.secret or stored.transfers != before.transfers
                    or stored.status is not TicketStatus.VALID or before.id in self._checkins):
                return False
            self._tickets[before.id] = replace(stored, secret=after.secret, access_key=after.access_key,
                                               holder_name=after.holder_name, holder_email=after.holder_email,
                                               transfers=after.transfers)
            self._transfers.append(as_stored(record))
            owner = owner_after_transfer(record)  # the new holder's My-tickets entry, in the same step
            self._owners.setdefault((owner.email, owner.ticket_id), owner)
            if mail is not None and mail.key not in self._outbox:  # as memory_outbox.add_outbox_message keeps it
                self._outbox[mail.key] = as_stored(replace(
                    mail, status=OutboxStatus.PENDING, attempts=0, last_error="",
                    updated_at=mail.updated_at or mail.created_at))
            return True

    def list_transfers(self, ticket_id: str) -> list[TicketTransfer]:
        with self._lock:
            return sorted((t for t in self._transfers if t.ticket_id == ticket_id), key=lambda t: (t.at, t.id))

    def event_transfers(self, event_id: str) -> list[TicketTransfer]:
        with self._lock:
            return sorted((t for t in self._transfers if t.event_id == event_id), key=lambda t: (t.at, t.id))

    def get_transfer_policy(self, event_id: str) -> TransferPolicy | None:
        with self._lock:
            return self._transfer_policies.get(event_id)

    def save_transfer_policy(self, policy: TransferPolicy) -> None:
        with self._lock:
            self._transfer_policies[policy.event_id] = as_stored(policy)
