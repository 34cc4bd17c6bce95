"""What card payments need from the outside world besides the provider (`gateway.py`) and the
store (`PaymentStore` in `eventflow.domain.ports`): a mailer that also tells buyers about refunds."""

from __future__ import annotations

from typing import Protocol

from eventflow.domain.models import Buyer, Event
from eventflow.domain.payments.records import Refund
from eventflow.domain.ports import TicketMailer


class RefundNotifier(Protocol):
    """Tells a buyer their money is on its way back (and why)."""

    def send_refund_notice(self, refund: Refund, buyer: Buyer, event: Event) -> None: ...


class PaymentMailer(TicketMailer, RefundNotifier, Protocol):
    """Mails an order's tickets and refund notices (both mail adapters do)."""
