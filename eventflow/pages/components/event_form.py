"""The event editor's forms: the event's details and one row per tier.

Each form reads its fields into the keyword arguments of the catalog call that saves it, and
raises `ValidationFailed(field=...)` so the message lands next to the field it is about."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from nicegui import ui
from nicegui.elements.mixins.value_element import ValueElement

from eventflow.domain.errors import DomainError, ValidationFailed
from eventflow.domain.models import Event, Tier
from eventflow.domain.money import SUPPORTED_CURRENCIES, currency_exponent, parse_amount
from eventflow.i18n import N_, _, error_text

TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})
FEE_MODES = {"buyer_pays": N_("Buyers pay the fee on top"), "organizer_absorbs": N_("I absorb the fee")}


def local_input(instant: datetime | None, timezone: str) -> str:
    """The instant as a datetime-local input's value (four-digit year, as the input expects)."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local:%m-%dT%H:%M}"


def parse_local(text: str | None, timezone: str, field: str, required: bool = True) -> datetime | None:
    """A datetime-local input's text as an instant in the event's timezone; the range is the
    catalog's rule (domain/dates.py), so the page and the API refuse the same dates."""
    if not text:
        if required:
            raise ValidationFailed(_("Pick a date and time"), field=field)
        return None
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(_("Unknown timezone {name}").format(name=repr(timezone)), field="timezone") from None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise ValidationFailed(_("Use a date and time like 2026-12-31T20:00"), field=field) from None


def amount_text(minor: int, currency: str) -> str:
    exponent = currency_exponent(currency)
    return f"{minor / 10**exponent:.{exponent}f}"


def show_error(fields: dict[str, ValueElement], problem: DomainError, fallback: ui.label) -> None:
    """Put the message next to its field when the error names one, else in the form's banner."""
    field = getattr(problem, "field", None)
    if field in fields:
        mark_error(fields[field], beside_field(error_text(problem), field))
    else:
        fallback.text = error_text(problem)


def beside_field(detail: str, field: str) -> str:
    """A message shown under its field, without the API's field name it starts with:
    "starts_at must be a date ..." reads "Must be a date ..." under "Starts"."""
    if not detail.startswith(f"{field} "):
        return detail
    rest = detail.removeprefix(f"{field} ")
    return rest[:1].upper() + rest[1:]


def mark_error(element: ui.element, message: str) -> None:
    # Assigned, not parsed from a props string: messages may contain quotes.
    element.props["error"] = True
    element.props["error-message"] = message


def clear_errors(fields: dict[str, ValueElement], fallback: ui.label) -> None:
    for element in fields.values():
        element.props.pop("error", None)
        element.props.pop("error-message", None)
    fallback.text = ""


class EventForm:
    """Title, description, venue, start and end, timezone, currency and who pays the fee."""

    def __init__(self, event: Event | None, default_start: datetime) -> None:
        timezone = event.timezone if event else "Europe/Berlin"
        start = event.starts_at if event else default_start
        end = event.ends_at if event else default_start + timedelta(hours=4)
        self.fields: dict[str, ValueElement] = {}
        with ui.column().classes("w-full gap-2"):
            self.fields["title"] = ui.input(_("Title"), value=event.title if event else "").props(
                "outlined data-testid=event-title").classes("w-full")
            self.fields["description"] = ui.textarea(_("Description (Markdown)"),
                                                     value=event.description if event else "") \
                .props("outlined autogrow data-testid=event-description").classes("w-full")
            self.fields["venue"] = ui.input(_("Venue"), value=event.venue if event else "").props(
                "outlined data-testid=event-venue").classes("w-full")
            with ui.row().classes("w-full gap-2"):
                self.fields["starts_at"] = ui.input(_("Starts"), value=local_input(start, timezone)).props(
                    "type=datetime-local outlined stack-label data-testid=event-starts").classes("grow")
                self.fields["ends_at"] = ui.input(_("Ends"), value=local_input(end, timezone)).props(
                    "type=datetime-local outlined stack-label data-testid=event-ends").classes("grow")
            self.fields["timezone"] = ui.select(TIMEZONES, value=timezone, label=_("Timezone"), with_input=True) \
                .props("outlined data-testid=event-timezone").classes("w-full")
            with ui.row().classes("w-full gap-2 items-start"):
                self.fields["currency"] = ui.select(sorted(SUPPORTED_CURRENCIES), label=_("Currency"),
                                                    value=event.currency if event else "EUR") \
                    .props("outlined data-testid=event-currency").classes("w-32")
                self.fields["fee_mode"] = ui.radio({mode: _(words) for mode, words in FEE_MODES.items()},
                                                   value=event.fee_mode.value if event else "buyer_pays") \
                    .props("inline data-testid=event-fee-mode")

    def values(self) -> dict[str, Any]:
        f = self.fields
        title = (f["title"].value or "").strip()
        if not title:
            raise ValidationFailed(_("Give the event a title"), field="title")
        timezone = f["timezone"].value or "UTC"
        starts_at = parse_local(f["starts_at"].value, timezone, "starts_at")
        ends_at = parse_local(f["ends_at"].value, timezone, "ends_at")
        assert starts_at is not None and ends_at is not None
        if ends_at <= starts_at:
            raise ValidationFailed(_("The end must come after the start"), field="ends_at")
        return {
            "title": title, "description": f["description"].value or "", "venue": f["venue"].value or "",
            "starts_at": starts_at, "ends_at": ends_at, "timezone": timezone,
            "currency": f["currency"].value or "EUR", "fee_mode": f["fee_mode"].value or "buyer_pays",
        }


class TierForm:
    """One tier's row of inputs; a new tier when `tier` is None."""

    def __init__(self, tier: Tier | None, event: Event) -> None:
        self.tier, self.event = tier, event
        key = tier.id if tier else "new"
        self.fields: dict[str, ValueElement] = {}
        with ui.row().classes("w-full gap-2 items-start"):
            self.fields["name"] = ui.input(_("Tier name"), value=tier.name if tier else "") \
                .props(f"outlined dense data-testid=tier-name-{key}").classes("w-40 grow")
            self.fields["price"] = ui.input(_("Price ({currency})").format(currency=event.currency),
                                            value=amount_text(tier.price_minor, event.currency) if tier else "") \
                .props(f"outlined dense inputmode=decimal data-testid=tier-price-{key}").classes("w-28")
            self.fields["capacity"] = ui.number(_("Capacity"), value=tier.capacity if tier else 100, min=1,
                                                precision=0) \
                .props(f"outlined dense data-testid=tier-capacity-{key}").classes("w-28")
            self.fields["max_per_order"] = ui.number(_("Max / order"), value=tier.max_per_order if tier else 10,
                                                     min=1, max=50, precision=0) \
                .props(f"outlined dense data-testid=tier-max-{key}").classes("w-24")
            self.fields["sales_start"] = ui.input(_("Sales start"), value=local_input(
                tier.sales_start if tier else None, event.timezone)) \
                .props(f"type=datetime-local outlined dense stack-label clearable data-testid=tier-sales-start-{key}") \
                .classes("w-52")
            self.fields["sales_end"] = ui.input(_("Sales end"), value=local_input(
                tier.sales_end if tier else None, event.timezone)) \
                .props(f"type=datetime-local outlined dense stack-label clearable data-testid=tier-sales-end-{key}") \
                .classes("w-52")
            self.fields["hidden"] = ui.checkbox(_("Hidden (link only)"), value=tier.hidden if tier else False)

    def values(self) -> dict[str, Any]:
        f = self.fields
        try:
            price_minor = parse_amount(str(f["price"].value or "0"), self.event.currency)
        except ValidationFailed as problem:
            raise ValidationFailed(problem.template, field="price", **problem.params) from None
        capacity, max_per_order = f["capacity"].value, f["max_per_order"].value
        if capacity is None or capacity < 1 or capacity != int(capacity):
            raise ValidationFailed(_("A whole number of at least 1"), field="capacity")
        if max_per_order is None or not 1 <= max_per_order <= 50:
            raise ValidationFailed(_("Between 1 and 50"), field="max_per_order")
        if not (f["name"].value or "").strip():
            raise ValidationFailed("Name the tier", field="name")
        return {
            "name": f["name"].value, "price_minor": price_minor, "capacity": int(capacity),
            "max_per_order": int(max_per_order),
            "sales_start": parse_local(f["sales_start"].value, self.event.timezone, "sales_start", False),
            "sales_end": parse_local(f["sales_end"].value, self.event.timezone, "sales_end", False),
            "hidden": bool(f["hidden"].value),
        }
