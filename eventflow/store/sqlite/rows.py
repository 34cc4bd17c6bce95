"""The SQLite store's row codec: domain records <-> rows (instants as sortable UTC text)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pydantic_core import to_json

from eventflow.domain.models import (
    Buyer,
    CheckIn,
    DoubleAdmission,
    Event,
    EventStatus,
    Order,
    Organizer,
    Reservation,
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
)
from eventflow.domain.money import FeeMode
from eventflow.store.access_code_codec import code_use_from_text, code_use_to_text
from eventflow.store.codec import checkin_from_dict, checkin_to_dict, line_from_dict, line_to_dict
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t


def organizer_from(row: sqlite3.Row) -> Organizer:
    return Organizer(
        id=row["id"], email=row["email"], name=row["name"], password_hash=row["password_hash"],
        created_at=s2t(row["created_at"]), totp_secret=row["totp_secret"],
        recovery_code_hashes=tuple(json.loads(row["recovery_code_hashes"])),
        session_epoch=row["session_epoch"], totp_last_step=row["totp_last_step"], language=row["language"],
    )


def order_from(row: sqlite3.Row, tickets: list[Ticket]) -> Order:
    return Order(
        id=row["id"], reservation_id=row["reservation_id"], event_id=row["event_id"],
        buyer=Buyer(row["buyer_email"], row["buyer_name"], row["buyer_language"]), currency=row["currency"],
        subtotal_minor=row["subtotal_minor"], fee_minor=row["fee_minor"],
        total_minor=row["total_minor"], created_at=s2t(row["created_at"]),
        payment_ref=row["payment_ref"], tickets=tuple(tickets),
    )


def checkin_from(row: sqlite3.Row) -> CheckIn:
    return CheckIn(
        ticket_id=row["ticket_id"], event_id=row["event_id"], device_id=row["device_id"],
        scanned_at=s2t(row["scanned_at"]), nonce=row["nonce"], offline=bool(row["offline"]),
        received_at=s2t(row["received_at"]) if row["received_at"] else None,
    )


def staff_from(row: sqlite3.Row) -> StaffAccess:
    return StaffAccess(
        id=row["id"], event_id=row["event_id"], label=row["label"], token_hash=row["token_hash"],
        created_at=s2t(row["created_at"]), revoked_at=s2t(row["revoked_at"]),
    )


def event_row(event: Event) -> tuple[Any, ...]:
    return (
        event.id, event.organizer_id, event.slug, event.title, t2s(event.starts_at),
        t2s(event.ends_at), event.timezone, event.venue, event.currency, event.description,
        event.fee_mode.value, event.status.value, t2s(event.created_at),
    )


def event_from(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"], organizer_id=row["organizer_id"], slug=row["slug"], title=row["title"],
        starts_at=s2t(row["starts_at"]), ends_at=s2t(row["ends_at"]),
        timezone=row["timezone"], venue=row["venue"], currency=row["currency"],
        description=row["description"], fee_mode=FeeMode(row["fee_mode"]),
        status=EventStatus(row["status"]), created_at=s2t(row["created_at"]),
    )


def tier_from(row: sqlite3.Row) -> Tier:
    return Tier(
        id=row["id"], event_id=row["event_id"], name=row["name"], price_minor=row["price_minor"],
        capacity=row["capacity"], max_per_order=row["max_per_order"],
        sales_start=s2t(row["sales_start"]), sales_end=s2t(row["sales_end"]),
        hidden=bool(row["hidden"]), position=row["position"], held=row["held"], sold=row["sold"],
        version=row["version"],
    )


def reservation_row(r: Reservation) -> tuple[Any, ...]:
    return (
        # pydantic's Rust encoder: compact JSON, read back by json.loads like the spaced rows before.
        r.id, r.event_id, to_json([line_to_dict(line) for line in r.lines]).decode(), r.buyer.email,
        r.buyer.name, r.currency, r.fee_mode.value, r.status.value, t2s(r.created_at),
        t2s(r.expires_at), r.idempotency_key, r.order_id, t2s(r.closed_at), r.request_fingerprint,
        code_use_to_text(r.code), r.buyer.language,
    )


def reservation_from(row: sqlite3.Row) -> Reservation:
    return Reservation(
        id=row["id"], event_id=row["event_id"],
        lines=tuple(line_from_dict(d) for d in json.loads(row["lines"])),
        buyer=Buyer(row["buyer_email"], row["buyer_name"], row["buyer_language"]), currency=row["currency"],
        fee_mode=FeeMode(row["fee_mode"]), status=ReservationStatus(row["status"]),
        created_at=s2t(row["created_at"]), expires_at=s2t(row["expires_at"]),
        idempotency_key=row["idempotency_key"], order_id=row["order_id"],
        closed_at=s2t(row["closed_at"]), request_fingerprint=row["request_fingerprint"],
        code=code_use_from_text(row["code"]),
    )


def ticket_from(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"], order_id=row["order_id"], event_id=row["event_id"], tier_id=row["tier_id"],
        holder_name=row["holder_name"], access_key=row["access_key"], secret=row["secret"],
        status=row["status"], price_minor=row["price_minor"], fee_minor=row["fee_minor"],
        holder_email=row["holder_email"],
        transfers=row["transfers"] if "transfers" in row.keys() else 0,  # noqa: SIM118 (a Row's `in` looks at values)
    )


def organizer_row(organizer: Organizer) -> tuple[Any, ...]:
    return (
        organizer.id, organizer.email, organizer.name, organizer.password_hash, t2s(organizer.created_at),
        organizer.totp_secret, json.dumps(list(organizer.recovery_code_hashes)), organizer.session_epoch,
        organizer.totp_last_step, organizer.language,
    )


def tier_row(tier: Tier) -> tuple[Any, ...]:
    """A new tier's row without held and sold (they start at 0, whatever the object says)."""
    return (
        tier.id, tier.event_id, tier.name, tier.price_minor, tier.capacity, tier.max_per_order,
        t2s(tier.sales_start), t2s(tier.sales_end), int(tier.hidden), tier.position, tier.version,
    )


def order_row(order: Order) -> tuple[Any, ...]:
    return (
        order.id, order.reservation_id, order.event_id, order.buyer.email, order.buyer.name, order.currency,
        order.subtotal_minor, order.fee_minor, order.total_minor, t2s(order.created_at), order.payment_ref,
        order.buyer.language,
    )


def ticket_row(ticket: Ticket) -> tuple[Any, ...]:
    return (
        ticket.id, ticket.order_id, ticket.event_id, ticket.tier_id, ticket.holder_name, ticket.access_key,
        ticket.secret, ticket.status, ticket.price_minor, ticket.fee_minor,
    )


def staff_row(staff: StaffAccess) -> tuple[Any, ...]:
    return (staff.id, staff.event_id, staff.label, staff.token_hash, t2s(staff.created_at), t2s(staff.revoked_at))


def checkin_row(checkin: CheckIn) -> tuple[Any, ...]:
    return (
        checkin.ticket_id, checkin.event_id, checkin.device_id, t2s(checkin.scanned_at), checkin.nonce,
        int(checkin.offline), t2s(checkin.received_at) if checkin.received_at else None,
    )


def double_admission_row(record: DoubleAdmission) -> tuple[Any, ...]:
    return (
        record.ticket_id, record.second.nonce, record.event_id,
        json.dumps(checkin_to_dict(record.first)), json.dumps(checkin_to_dict(record.second)),
    )


def double_admission_from(row: sqlite3.Row) -> DoubleAdmission:
    return DoubleAdmission(
        row["ticket_id"], row["event_id"], checkin_from_dict(json.loads(row["first"])),
        checkin_from_dict(json.loads(row["second"])),
    )
