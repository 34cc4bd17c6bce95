"""Domain exceptions, translated once at the edge (JSON API, pages).

Each error's words are an English template (its class docstring, or the text it is raised with) plus named
parameters: `raise ValidationFailed(N_("At most {count} tags"), field="tags", count=MAX_TAGS)`. `detail` is
the English text (what the JSON API answers, unchanged); a page shows `i18n.error_text(error)`, the template
translated into the visitor's language with the parameters filled in. The templates' German and Spanish are
in eventflow/locale/<lang>/LC_MESSAGES/errors.po; tests/pages/test_i18n_errors.py finds every template in
the domain (docstrings, raised literals, `N_` marks) and fails on a missing translation or an f-string.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks an error's words for the catalogues where they are written (the domain stays English; the page
    translates them when it shows the error)."""
    return message


class DomainError(Exception):
    """Base for every error a user can cause; `code` is the stable API error code."""

    code = "bad_request"
    status = 400

    def __init__(self, detail: str = "", **params: object) -> None:
        self.template = detail or (self.__class__.__doc__ or self.code).strip()
        self.params = params  # named values of the template's placeholders
        self.detail = self.template.format(**params) if params else self.template
        super().__init__(self.detail if detail else self.__class__.__doc__ or self.code)


class ValidationFailed(DomainError):
    """The request is not valid."""

    code = "validation_error"
    status = 422

    def __init__(self, detail: str = "", field: str | None = None, **params: object) -> None:
        super().__init__(detail, **params)
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
        if detail:
            super().__init__(detail)
        elif minutes == 1:
            super().__init__(N_("Too many failed attempts. Please try again in 1 minute."))
        else:
            super().__init__(N_("Too many failed attempts. Please try again in {minutes} minutes."), minutes=minutes)
        self.retry_after = retry_after  # seconds until the next attempt may succeed


class StoreBusy(DomainError):
    """EventFlow is very busy right now. Please try again in a moment."""

    code = "store_busy"
    status = 503

    def __init__(self, detail: str = "", retry_after: int = 1, **params: object) -> None:
        super().__init__(detail, **params)
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

    def __init__(self, detail: str = "", tier_ids: tuple[str, ...] = (), **params: object) -> None:
        super().__init__(detail, **params)
        self.tier_ids = tier_ids


class CapacityBelowSold(Conflict):
    """Capacity cannot go below the tickets already sold or held."""

    code = "capacity_below_sold"

    @classmethod
    def of_tier(cls, tier_name: str, held: int, sold: int) -> CapacityBelowSold:
        """The refusal of a tier edit, with the counts at the moment of the write."""
        return cls(N_("{tier}: capacity cannot go below {floor} ({sold} sold, {held} held right now)"),
                   tier=tier_name, floor=held + sold, sold=sold, held=held)


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


# A closed reservation's state in words (whole sentences: a translation cannot put an English word in).
_WAS = {"cancelled": N_("This reservation was cancelled"), "expired": N_("This reservation was expired"),
        "confirmed": N_("This reservation was confirmed"), "held": N_("This reservation was held")}
_ALREADY = {"cancelled": N_("This reservation is already cancelled"),
            "expired": N_("This reservation is already expired"),
            "confirmed": N_("This reservation is already confirmed"), "held": N_("This reservation is already held")}


def reservation_closed(status: str, already: bool = False) -> ReservationClosed:
    """`ReservationClosed` naming the state the reservation is in (the API's words as before)."""
    return ReservationClosed((_ALREADY if already else _WAS).get(status) or ReservationClosed.__doc__ or "")


class StaleCatalog(Exception):
    """A tier changed between reading the catalogue and writing the hold; re-read and retry.

    Internal to the domain service: never reaches a user.
    """
