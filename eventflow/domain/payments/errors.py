"""Errors of the card payment use cases, translated at the edge like every DomainError."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventflow.domain.errors import Conflict, DomainError
from eventflow.domain.payments.gateway import GatewayError

T = TypeVar("T")


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


def ask_provider(call: Callable[..., T], *args: object) -> T:
    """A provider call made for a user's request: its failures become the errors the edge shows."""
    try:
        return call(*args)
    except GatewayError as error:
        if error.retryable:
            raise PaymentProviderUnavailable("Stripe did not answer; please try again in a minute") from error
        raise PaymentRefused("Stripe refused the request: {error}", error=str(error)) from error
