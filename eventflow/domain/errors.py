"""Domain exceptions, translated once at the edge (JSON API, pages)."""

from __future__ import annotations


class DomainError(Exception):
    """Base for every error a user can cause; `code` is the stable API error code."""

    code = "bad_request"
    status = 400

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__class__.__doc__ or self.code)
        self.detail = detail or (self.__class__.__doc__ or self.code).strip()


class ValidationFailed(DomainError):
    """The request is not valid."""

    code = "validation_error"
    status = 422

    def __init__(self, detail: str = "", field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field  # which input it is about, so a form can show it next to that field


class NotFound(DomainError):
    """No such thing, or not yours."""

    code = "not_found"
    status = 404


class EventNotFound(NotFound):
    """No such event."""


class OrganizerNotFound(NotFound):
    """No such organizer."""


class Unauthorized(DomainError):
    """Missing or invalid credentials."""

    code = "unauthorized"
    status = 401


class TooManyAttempts(DomainError):
    """Too many failed attempts; wait a little and try again."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int, detail: str = "") -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(detail or f"Too many failed attempts. Please try again in {minutes} minute"
                         f"{'' if minutes == 1 else 's'}.")
        self.retry_after = retry_after  # seconds until the next attempt may succeed


class StoreBusy(DomainError):
    """EventFlow is very busy right now. Please try again in a moment."""

    code = "store_busy"
    status = 503

    def __init__(self, detail: str = "", retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after  # seconds after which a retry has a fair chance


class MethodNotAllowed(DomainError):
    """This method is not allowed here."""

    code = "method_not_allowed"
    status = 405


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"
    status = 409


class EmailTaken(Conflict):
    """An account with this email already exists."""

    code = "email_taken"


class LoginTaken(Conflict):
    """This login is already linked to an account."""


class SlugTaken(Conflict):
    """This event address is taken."""


class TierExists(Conflict):
    """A tier with this id already exists."""


class TierHasSales(Conflict):
    """Tickets of this tier are sold or held: it cannot be deleted (hide it or set its capacity instead)."""

    code = "tier_has_sales"


class EventNotDeletable(Conflict):
    """Only a draft without orders can be deleted: unpublish it first, or cancel it (buyers are refunded)."""

    code = "event_not_deletable"


class StaffAccessExists(Conflict):
    """This staff access already exists."""


class TicketsBeingRefunded(Conflict):
    """Some of these tickets are being refunded already."""


class SoldOut(Conflict):
    """Not enough tickets left for this request."""

    code = "sold_out"

    def __init__(self, detail: str = "", tier_ids: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.tier_ids = tier_ids


class CapacityBelowSold(Conflict):
    """Capacity cannot go below the tickets already sold or held."""

    code = "capacity_below_sold"

    @classmethod
    def of_tier(cls, tier_name: str, held: int, sold: int) -> CapacityBelowSold:
        """The refusal of a tier edit, with the counts at the moment of the write."""
        return cls(f"{tier_name}: capacity cannot go below {held + sold} ({sold} sold, {held} held right now)")


class NotOnSale(Conflict):
    """This event or tier is not on sale right now."""

    code = "not_on_sale"


class IdempotencyKeyReused(Conflict):
    """This idempotency key was already used for a different request; send a new key."""

    code = "idempotency_key_reused"


class HoldExpired(Conflict):
    """The hold on these tickets has expired."""

    code = "hold_expired"


class ReservationClosed(Conflict):
    """This reservation was already cancelled, expired or paid."""

    code = "reservation_closed"


class StaleCatalog(Exception):
    """A tier changed between reading the catalogue and writing the hold; re-read and retry.

    Internal to the domain service: never reaches a user.
    """
