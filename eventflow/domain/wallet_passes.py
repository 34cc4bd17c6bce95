"""Wallet passes: an "Add to Apple Wallet" `.pkpass` of a ticket, when the operator configured a pass-signing
certificate (config.py `EVENTFLOW_PASS_*`); an organizer may forbid them per event.

A pass cannot rotate, so its barcode is a static code `EFP.<ticket id>.<signature>`: the event's door key
(domain/door_keys.py, Ed25519) signs the ticket id and its transfer count (`door_keys.pass_message`). The door
checks it online (`DoorCheckIn.scan` asks `PassCodes.ticket_for`) and offline with the manifest's public key
and the ticket's `transfers` (static/door.js, as for rotating codes; offline uploads are checked again by
`DoorCheckIn.sync`): a transfer raises the count, so a pass made before it stops working online at once and
offline after the scanner's next manifest refresh; so does the organizer's "no wallet passes" (the manifest's
`passes_forbidden`). A door device can verify pass codes but never make one. What the pass
shows (event, date, venue, tier, attendee) is `pass_fields`; the package and its signature are the adapter's
(adapters/pkpass.py, behind the `PassSigner` port)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eventflow.domain.codes import is_ticket_id
from eventflow.domain.door_keys import PASS_PREFIX, SIGNATURE_CHARS, DoorKeys, b64url, from_b64url
from eventflow.domain.errors import Conflict, NotFound
from eventflow.domain.models import Event, Ticket, TicketStatus

if TYPE_CHECKING:
    from eventflow.domain.ports import Store

PREFIX = f"{PASS_PREFIX}."


class PassesUnavailable(Conflict):
    """Wallet passes are not available for this ticket."""

    code = "passes_not_available"


class PassSigner(Protocol):
    """Packages a pass: the files (pass.json, images) with manifest.json and its detached signature."""

    def package(self, files: dict[str, bytes]) -> bytes: ...


@dataclass(frozen=True, slots=True)
class PassIdentity:
    """Whose passes these are (Apple's pass type and team identifiers), from the configuration."""

    pass_type_id: str
    team_id: str
    organization: str = "EventFlow"


class PassCodes:
    """The static codes of passes: made for a ticket, and the ticket a scanned one stands for."""

    def __init__(self, store: Store, secret_key: str, keys: DoorKeys | None = None) -> None:
        self.store = store
        self.keys = keys or DoorKeys(secret_key)  # the same derivation as the door's: one key pair per event

    def code(self, ticket: Ticket) -> str:
        return f"{PREFIX}{ticket.id}.{self.keys.sign_pass(ticket.event_id, ticket.id, ticket.transfers)}"

    def ticket_for(self, payload: str) -> str | None:
        """The ticket id a pass code stands for; None when forged, made before a transfer, or passes are
        forbidden for its event (the door answers invalid)."""
        parsed = parse_pass(payload)
        ticket = self.store.get_ticket(parsed[0]) if parsed is not None else None
        if parsed is None or ticket is None \
                or not self.keys.verify_pass(ticket.event_id, ticket.id, parsed[1], ticket.transfers):
            return None
        return None if self.store.passes_forbidden(ticket.event_id) else ticket.id


def parse_pass(payload: str) -> tuple[str, bytes] | None:
    """`EFP.<ticket id>.<signature>` -> (ticket id, signature bytes); None for anything else (no crypto here)."""
    parts = payload.strip().split(".")
    if len(parts) != 3 or f"{parts[0]}." != PREFIX or not is_ticket_id(parts[1]) or len(parts[2]) != SIGNATURE_CHARS:
        return None
    signature = from_b64url(parts[2])
    if signature is None or len(signature) != 64 or b64url(signature) != parts[2]:
        return None  # one spelling per signature: base64's spare bits must be zero
    return parts[1], signature


def pass_fields(identity: PassIdentity, ticket: Ticket, event: Event, tier_name: str, code: str,
                base_url: str) -> dict[str, Any]:
    """pass.json of an event ticket (Apple's PassKit format, formatVersion 1)."""
    return {
        "formatVersion": 1, "passTypeIdentifier": identity.pass_type_id, "teamIdentifier": identity.team_id,
        "serialNumber": ticket.id, "organizationName": identity.organization,
        "description": f"{event.title} — {tier_name}", "relevantDate": event.starts_at.isoformat(),
        "expirationDate": event.ends_at.isoformat(), "backgroundColor": "rgb(91,33,182)",
        "foregroundColor": "rgb(255,255,255)", "labelColor": "rgb(221,214,254)",
        "eventTicket": {
            "primaryFields": [{"key": "event", "label": "EVENT", "value": event.title}],
            "secondaryFields": [{"key": "tier", "label": "TICKET", "value": tier_name},
                                {"key": "holder", "label": "ATTENDEE", "value": ticket.holder_name}],
            "auxiliaryFields": [{"key": "starts", "label": "STARTS", "value": event.starts_at.isoformat(),
                                 "dateStyle": "PKDateStyleMedium", "timeStyle": "PKDateStyleShort"},
                                {"key": "venue", "label": "VENUE", "value": event.venue}],
            "backFields": [{"key": "link", "label": "EVENT", "value": f"{base_url}/e/{event.slug}"}],
        },
        "barcodes": [{"format": "PKBarcodeFormatQR", "message": code, "messageEncoding": "iso-8859-1"}],
    }


class WalletPasses:
    """`.pkpass` files for holders; the organizer's per-event switch."""

    def __init__(self, store: Store, codes: PassCodes, signer: PassSigner | None, identity: PassIdentity | None,
                 images: dict[str, bytes], base_url: str) -> None:
        self.store, self.codes, self.signer, self.identity = store, codes, signer, identity
        self.images, self.base_url = images, base_url.rstrip("/")

    @property
    def configured(self) -> bool:
        return self.signer is not None and self.identity is not None

    def offered(self, event_id: str) -> bool:
        """Whether a holder's wallet offers "Add to Apple Wallet" for this event."""
        return self.configured and not self.store.passes_forbidden(event_id)

    def forbidden(self, event_id: str) -> bool:
        return self.store.passes_forbidden(event_id)

    def set_forbidden(self, event_id: str, forbidden: bool) -> None:
        self.store.set_passes_forbidden(event_id, forbidden)

    def pkpass(self, ticket_id: str, access_key: str) -> bytes:
        """The signed package; NotFound unless the key opens the ticket, PassesUnavailable (409) when the
        server has no certificate, the organizer forbade passes, or the ticket gets nobody in."""
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None or not hmac.compare_digest(ticket.access_key.encode(), access_key.encode()):
            raise NotFound("No such ticket")
        event = self.store.get_event(ticket.event_id)
        if event is None or not self.offered(event.id) or ticket.status is not TicketStatus.VALID:
            raise PassesUnavailable()
        assert self.signer is not None and self.identity is not None
        tier_name = next((t.name for t in self.store.get_tiers(event.id) if t.id == ticket.tier_id), "Ticket")
        fields = pass_fields(self.identity, ticket, event, tier_name, self.codes.code(ticket), self.base_url)
        return self.signer.package({"pass.json": json.dumps(fields, ensure_ascii=False).encode(), **self.images})
