"""Errors of the card payment use cases, translated at the edge like every DomainError."""

from __future__ import annotations

from eventflow.domain.errors import Conflict, DomainError


class PaymentsNotReady(Conflict):
    """The organizer cannot take card payments yet."""

    code = "payments_not_ready"


class PaymentBusy(Conflict):
    """Another request is settling this payment right now; try again in a moment."""

    code = "payment_busy"


class PaymentRefused(Conflict):
    """The payment provider refused the request."""

    code = "payment_provider_refused"


class PaymentProviderUnavailable(DomainError):
    """The payment provider did not answer; try again in a minute."""

    code = "payment_provider_unavailable"
    status = 503
