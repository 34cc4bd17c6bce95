"""The DynamoDB store's item codec: domain records <-> items of the one table, and the typed
attribute values (`{"S": ...}`, `{"N": ...}`) every request is written in.

Items (access patterns in docs/dynamodb.md; payment items in `payments.py`):

    ORG#<id>        / PROFILE          organizer
    EMAIL#<email>   / EMAIL            email uniqueness (-> organizer id)
    IDENTITY#<iss|sub> / IDENTITY      external login (-> organizer id)
    EVENT#<id>      / EVENT            event; GSI1 `ORG#<org>` by start, GSI2 `PUBLISHED` if published
    EVENT#<id>      / TIER#<id>        tier with live held / sold / available (+ event status)
    EVENT#<id>      / TIER#<id>#SHARD#<k>  a sharded tier's counters (store/dynamodb/shards.py)
    EVENT#<id>      / TIERLIST         ids of the event's tiers (lets tier_counts batch-read tiers)
    EVENT#<id>      / STAFF#<id>       door staff access
    EVENT#<id>      / CHECKIN#<ticket> a ticket's check-in (first write wins)
    EVENT#<id>      / DOUBLE#<ticket>#<nonce>  double admission
    SLUG#<slug>     / SLUG             slug uniqueness (-> event id)
    STAFFTOKEN#<h>  / STAFFTOKEN       staff token uniqueness (-> event id, staff id)
    SCAN#<nonce>    / SCAN             outcome of a door scan nonce (first write wins)
    RES#<id>        / RES              reservation; GSI2 `HOLD#<shard>` by expiry while held
    ORDER#<id>      / ORDER            order + its ticket ids; GSI1 `ORDERS#<event>#<0-7>` by creation
    TICKET#<id>     / TICKET           ticket; GSI1 in its order's partition, right after its order

Sort keys of the indexes are `<fixed-width UTC time>#<id>`, so every listing read from an index
comes back in (time, id) order, the order the `Store` port promises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from eventflow.domain.models import (
    Buyer,
    CheckIn,
    DoubleAdmission,
    Event,
    EventStatus,
    Order,
    Organizer,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
)
from eventflow.domain.money import FeeMode
from eventflow.store.access_code_codec import code_use_from_text, code_use_to_text
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import Item, key

# Held reservations are spread over GSI2 partitions `HOLD#0` .. `HOLD#7`: every hold opened or
# closed on the platform writes one, and a single GSI partition throttles at about 1,000 writes/s.
HOLD_SHARDS = 8
# An event's orders and tickets are spread over GSI1 partitions `ORDERS#<event>#0` .. `#7` by a hash
# of the order id (a ticket goes with its order, so it still sorts right after it); listings merge
# the partitions, plus `ORDERS#<event>`, where orders written before the spread still are.
ORDER_SHARDS = 8


# -------------------------------------------------------------------- attribute values
def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def b(value: bool) -> dict[str, bool]:
    return {"BOOL": bool(value)}


def time_value(instant: datetime) -> dict[str, str]:
    """An instant as sortable text (see `eventflow.store.codec`)."""
    return {"S": t2s(instant)}


def integer(item: Item, name: str) -> int:
    return int(item[name]["N"])


def opt_s(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value is not None and "S" in value else None


def instant(item: Item, name: str) -> datetime:
    return s2t(item[name]["S"])


def opt_instant(item: Item, name: str) -> datetime | None:
    return s2t(opt_s(item, name))


def put(table_name: str, item: Item, condition: str) -> dict[str, Any]:
    return {"Put": {"TableName": table_name, "Item": item, "ConditionExpression": condition}}


def put_new(table_name: str, item: Item) -> dict[str, Any]:
    """A transaction item that creates `item`, refused if its key exists."""
    return put(table_name, item, "attribute_not_exists(PK)")


def set_optional(item: Item, name: str, value: str | None) -> None:
    if value is not None:
        item[name] = s(value)


def tier_quantities(lines: Iterable[ReservationLine]) -> dict[str, int]:
    """Quantity per tier, in line order (one transaction item per tier)."""
    quantities: dict[str, int] = {}
    for line in lines:
        quantities[line.tier_id] = quantities.get(line.tier_id, 0) + line.quantity
    return quantities


def order_partition(order: Order) -> str:
    """The GSI1 partition of an order and its tickets."""
    digest = hashlib.blake2b(order.id.encode(), digest_size=2).digest()
    return f"ORDERS#{order.event_id}#{int.from_bytes(digest, 'big') % ORDER_SHARDS}"


def order_partitions(event_id: str) -> list[str]:
    """Every GSI1 partition that may hold the event's orders: the shards and the one before them."""
    return [f"ORDERS#{event_id}#{shard}" for shard in range(ORDER_SHARDS)] + [f"ORDERS#{event_id}"]


def hold_partition(reservation_id: str) -> str:
    """The GSI2 partition of a held reservation: a stable spread over HOLD_SHARDS."""
    digest = hashlib.blake2b(reservation_id.encode(), digest_size=2).digest()
    return f"HOLD#{int.from_bytes(digest, 'big') % HOLD_SHARDS}"


# -------------------------------------------------------------------- item mapping
def organizer_item(organizer: Organizer) -> Item:
    item = {
        **key(f"ORG#{organizer.id}", "PROFILE"), "kind": s("organizer"),
        "id": s(organizer.id), "email": s(organizer.email), "name": s(organizer.name),
        "password_hash": s(organizer.password_hash),
        "created_at": time_value(organizer.created_at),
        "recovery_code_hashes": {"L": [s(code) for code in organizer.recovery_code_hashes]},
        "session_epoch": n(organizer.session_epoch), "totp_last_step": n(organizer.totp_last_step),
    }
    set_optional(item, "totp_secret", organizer.totp_secret)
    set_optional(item, "language", organizer.language)
    return item


def email_item(organizer: Organizer) -> Item:
    return {
        **key(f"EMAIL#{organizer.email}", "EMAIL"), "kind": s("email"),
        "organizer_id": s(organizer.id),
    }


def organizer_from(item: Item) -> Organizer:
    return Organizer(
        id=item["id"]["S"], email=item["email"]["S"], name=item["name"]["S"],
        password_hash=item["password_hash"]["S"],
        created_at=instant(item, "created_at"),
        totp_secret=opt_s(item, "totp_secret"),
        recovery_code_hashes=tuple(v["S"] for v in item.get("recovery_code_hashes", {}).get("L", [])),
        session_epoch=int(item.get("session_epoch", {"N": "0"})["N"]),
        totp_last_step=int(item.get("totp_last_step", {"N": "0"})["N"]),
        language=opt_s(item, "language"),
    )


def event_item(event: Event) -> Item:
    starts = t2s(event.starts_at)
    item = {
        **key(f"EVENT#{event.id}", "EVENT"), "kind": s("event"),
        "id": s(event.id), "organizer_id": s(event.organizer_id), "slug": s(event.slug),
        "title": s(event.title), "starts_at": s(starts),
        "ends_at": time_value(event.ends_at),
        "timezone": s(event.timezone), "venue": s(event.venue), "currency": s(event.currency),
        "description": s(event.description), "fee_mode": s(event.fee_mode.value),
        "status": s(event.status.value),
        "created_at": time_value(event.created_at),
        "GSI1PK": s(f"ORG#{event.organizer_id}"), "GSI1SK": s(f"{starts}#{event.id}"),
    }
    if event.status is EventStatus.PUBLISHED:
        item["GSI2PK"] = s("PUBLISHED")
        item["GSI2SK"] = s(f"{starts}#{event.id}")
    return item


def slug_item(event: Event) -> Item:
    return {**key(f"SLUG#{event.slug}", "SLUG"), "kind": s("slug"), "event_id": s(event.id)}


def event_from(item: Item) -> Event:
    return Event(
        id=item["id"]["S"], organizer_id=item["organizer_id"]["S"], slug=item["slug"]["S"],
        title=item["title"]["S"],
        starts_at=instant(item, "starts_at"),
        ends_at=instant(item, "ends_at"),
        timezone=item["timezone"]["S"], venue=item["venue"]["S"], currency=item["currency"]["S"],
        description=item["description"]["S"], fee_mode=FeeMode(item["fee_mode"]["S"]),
        status=EventStatus(item["status"]["S"]),
        created_at=instant(item, "created_at"),
    )


def tier_item(tier: Tier, event_status: str, shards: int = 1) -> Item:
    """A new tier starts with nothing held or sold, whatever the object says (the port's rule).
    It carries its event's status (holds check it here, not on the event item) and, when sharded,
    its shard count, with its capacity on the shard items instead (store/dynamodb/shards.py)."""
    item = {
        **key(f"EVENT#{tier.event_id}", f"TIER#{tier.id}"), "kind": s("tier"),
        "id": s(tier.id), "event_id": s(tier.event_id), "name": s(tier.name),
        "price_minor": n(tier.price_minor), "capacity": n(tier.capacity),
        "max_per_order": n(tier.max_per_order), "hidden": {"BOOL": bool(tier.hidden)},
        "position": n(tier.position), "held": n(0), "sold": n(0),
        "available": n(tier.capacity if shards <= 1 else 0), "version": n(tier.version),
        "event_status": s(event_status),
    }
    if shards > 1:
        item["shards"] = n(shards)
    set_optional(item, "sales_start", t2s(tier.sales_start))
    set_optional(item, "sales_end", t2s(tier.sales_end))
    return item


def tier_from(item: Item) -> Tier:
    return Tier(
        id=item["id"]["S"], event_id=item["event_id"]["S"], name=item["name"]["S"],
        price_minor=integer(item, "price_minor"), capacity=integer(item, "capacity"),
        max_per_order=integer(item, "max_per_order"),
        sales_start=opt_instant(item, "sales_start"), sales_end=opt_instant(item, "sales_end"),
        hidden=bool(item["hidden"]["BOOL"]), position=integer(item, "position"),
        held=integer(item, "held"), sold=integer(item, "sold"), version=integer(item, "version"),
    )


_LINE_INTS = ("quantity", "unit_price_minor", "unit_fee_minor", "unit_total_minor", "tier_version")


def line_value(line: ReservationLine) -> dict[str, Any]:
    fields = {"tier_id": s(line.tier_id)}
    fields.update({name: n(getattr(line, name)) for name in _LINE_INTS})
    if line.unit_discount_minor:
        fields["unit_discount_minor"] = n(line.unit_discount_minor)
    return {"M": fields}


def line_from(value: dict[str, Any]) -> ReservationLine:
    fields = value["M"]
    return ReservationLine(
        tier_id=fields["tier_id"]["S"], **{name: int(fields[name]["N"]) for name in _LINE_INTS},
        unit_discount_minor=int(fields["unit_discount_minor"]["N"]) if "unit_discount_minor" in fields else 0,
    )


def reservation_item(r: Reservation) -> Item:
    item = {
        **key(f"RES#{r.id}", "RES"), "kind": s("reservation"),
        "id": s(r.id), "event_id": s(r.event_id), "lines": {"L": [line_value(x) for x in r.lines]},
        "buyer_email": s(r.buyer.email), "buyer_name": s(r.buyer.name),
        "currency": s(r.currency), "fee_mode": s(r.fee_mode.value), "status": s(r.status.value),
        "created_at": time_value(r.created_at),
        "expires_at": time_value(r.expires_at),
    }
    set_optional(item, "idempotency_key", r.idempotency_key)
    set_optional(item, "order_id", r.order_id)
    set_optional(item, "closed_at", t2s(r.closed_at))
    set_optional(item, "request_fingerprint", r.request_fingerprint)
    set_optional(item, "code", code_use_to_text(r.code))
    set_optional(item, "buyer_language", r.buyer.language)  # absent: English (items from before languages)
    if r.status is ReservationStatus.HELD:
        item["GSI2PK"] = s(hold_partition(r.id))
        item["GSI2SK"] = s(f"{t2s(r.expires_at)}#{r.id}")
    return item


def reservation_from(item: Item) -> Reservation:
    return Reservation(
        id=item["id"]["S"], event_id=item["event_id"]["S"],
        lines=tuple(line_from(value) for value in item["lines"]["L"]),
        buyer=Buyer(item["buyer_email"]["S"], item["buyer_name"]["S"], opt_s(item, "buyer_language")),
        currency=item["currency"]["S"], fee_mode=FeeMode(item["fee_mode"]["S"]),
        status=ReservationStatus(item["status"]["S"]),
        created_at=instant(item, "created_at"),
        expires_at=instant(item, "expires_at"),
        idempotency_key=opt_s(item, "idempotency_key"), order_id=opt_s(item, "order_id"),
        closed_at=opt_instant(item, "closed_at"), request_fingerprint=opt_s(item, "request_fingerprint"),
        code=code_use_from_text(opt_s(item, "code")),
    )


def order_item(order: Order) -> Item:
    item = {
        **key(f"ORDER#{order.id}", "ORDER"), "kind": s("order"),
        "GSI1PK": s(order_partition(order)), "GSI1SK": s(order_sort_key(order)),
        "id": s(order.id), "reservation_id": s(order.reservation_id),
        "event_id": s(order.event_id), "buyer_email": s(order.buyer.email),
        "buyer_name": s(order.buyer.name), "currency": s(order.currency),
        "subtotal_minor": n(order.subtotal_minor), "fee_minor": n(order.fee_minor),
        "total_minor": n(order.total_minor),
        "created_at": time_value(order.created_at),
        "payment_ref": s(order.payment_ref),
        "ticket_ids": {"L": [s(ticket.id) for ticket in order.tickets]},
    }
    set_optional(item, "buyer_language", order.buyer.language)
    return item


def order_from(item: Item, tickets: tuple[Ticket, ...]) -> Order:
    return Order(
        id=item["id"]["S"], reservation_id=item["reservation_id"]["S"],
        event_id=item["event_id"]["S"],
        buyer=Buyer(item["buyer_email"]["S"], item["buyer_name"]["S"], opt_s(item, "buyer_language")),
        currency=item["currency"]["S"], subtotal_minor=integer(item, "subtotal_minor"),
        fee_minor=integer(item, "fee_minor"), total_minor=integer(item, "total_minor"),
        created_at=instant(item, "created_at"),
        payment_ref=item["payment_ref"]["S"], tickets=tickets,
    )


def order_sort_key(order: Order) -> str:
    return f"{t2s(order.created_at)}#{order.id}"


def ticket_item(ticket: Ticket, order: Order, index: int) -> Item:
    """A ticket; in GSI1 it sorts right after its order (`<order key>#<issue number>`)."""
    return {
        **key(f"TICKET#{ticket.id}", "TICKET"), "kind": s("ticket"),
        "GSI1PK": s(order_partition(order)), "GSI1SK": s(f"{order_sort_key(order)}#{index:04d}"),
        "id": s(ticket.id), "order_id": s(ticket.order_id), "event_id": s(ticket.event_id),
        "tier_id": s(ticket.tier_id), "holder_name": s(ticket.holder_name),
        "access_key": s(ticket.access_key), "secret": s(ticket.secret),
        "status": s(ticket.status), "price_minor": n(ticket.price_minor),
        "fee_minor": n(ticket.fee_minor), "holder_email": s(ticket.holder_email),
    }


def ticket_from(item: Item) -> Ticket:
    return Ticket(
        id=item["id"]["S"], order_id=item["order_id"]["S"], event_id=item["event_id"]["S"],
        tier_id=item["tier_id"]["S"], holder_name=item["holder_name"]["S"],
        access_key=item["access_key"]["S"], secret=item["secret"]["S"],
        status=item["status"]["S"], price_minor=int(item.get("price_minor", {"N": "0"})["N"]),
        fee_minor=int(item.get("fee_minor", {"N": "0"})["N"]),
        holder_email=item.get("holder_email", {"S": ""})["S"],
        transfers=int(item.get("transfers", {"N": "0"})["N"]),  # store/dynamodb/transfers.py
    )


def staff_item(staff: StaffAccess) -> Item:
    item = {
        **key(f"EVENT#{staff.event_id}", f"STAFF#{staff.id}"), "kind": s("staff"),
        "id": s(staff.id), "event_id": s(staff.event_id), "label": s(staff.label),
        "token_hash": s(staff.token_hash),
        "created_at": time_value(staff.created_at),
    }
    set_optional(item, "revoked_at", t2s(staff.revoked_at))
    return item


def staff_from(item: Item) -> StaffAccess:
    return StaffAccess(
        id=item["id"]["S"], event_id=item["event_id"]["S"], label=item["label"]["S"],
        token_hash=item["token_hash"]["S"],
        created_at=instant(item, "created_at"),
        revoked_at=opt_instant(item, "revoked_at"),
    )


def checkin_value(checkin: CheckIn) -> Item:
    return {
        "ticket_id": s(checkin.ticket_id), "event_id": s(checkin.event_id),
        "device_id": s(checkin.device_id),
        "scanned_at": time_value(checkin.scanned_at),
        "nonce": s(checkin.nonce), "offline": {"BOOL": bool(checkin.offline)},
        **({"received_at": time_value(checkin.received_at)} if checkin.received_at else {}),
    }


def checkin_item(checkin: CheckIn) -> Item:
    return {
        **key(f"EVENT#{checkin.event_id}", f"CHECKIN#{checkin.ticket_id}"), "kind": s("checkin"),
        **checkin_value(checkin),
    }


def checkin_from(item: Item) -> CheckIn:
    return CheckIn(
        ticket_id=item["ticket_id"]["S"], event_id=item["event_id"]["S"], device_id=item["device_id"]["S"],
        scanned_at=instant(item, "scanned_at"),
        nonce=item["nonce"]["S"], offline=bool(item["offline"]["BOOL"]),
        received_at=opt_instant(item, "received_at"),
    )


def double_item(record: DoubleAdmission) -> Item:
    return {
        **key(f"EVENT#{record.event_id}", f"DOUBLE#{record.ticket_id}#{record.second.nonce}"),
        "kind": s("double_admission"), "ticket_id": s(record.ticket_id),
        "event_id": s(record.event_id), "first": {"M": checkin_value(record.first)},
        "second": {"M": checkin_value(record.second)},
    }


def double_from(item: Item) -> DoubleAdmission:
    return DoubleAdmission(
        ticket_id=item["ticket_id"]["S"], event_id=item["event_id"]["S"],
        first=checkin_from(item["first"]["M"]), second=checkin_from(item["second"]["M"]),
    )
