"""`/dashboard/events/new` and `/dashboard/events/{id}/edit`: the event form and its tiers.

Messages appear next to the field they are about; nothing is saved while any field is wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from nicegui import events, ui

from eventflow.domain.errors import CapacityBelowSold, DomainError, ValidationFailed
from eventflow.domain.models import Event, EventStatus, Tier
from eventflow.domain.money import SUPPORTED_CURRENCIES, currency_exponent, parse_amount
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import require_organizer, require_own_event
from eventflow.pages.payments_setup import paid_sales_notice
from eventflow.services import Services

TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})
FEE_MODES = {"buyer_pays": "Buyers pay the fee on top", "organizer_absorbs": "I absorb the fee"}


def local_input(instant: datetime | None, timezone: str) -> str:
    return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M") if instant else ""


def parse_local(text: str | None, timezone: str, field: str, required: bool = True) -> datetime | None:
    if not text:
        if required:
            raise ValidationFailed("Pick a date and time", field=field)
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise ValidationFailed("Use a date and time like 2026-12-31T20:00", field=field) from None


def amount_text(minor: int, currency: str) -> str:
    exponent = currency_exponent(currency)
    return f"{minor / 10**exponent:.{exponent}f}"


def show_error(fields: dict[str, ui.element], problem: DomainError, fallback: ui.label) -> None:
    """Put the message next to its field when the error names one, else in the form's banner."""
    field = getattr(problem, "field", None)
    if field in fields:
        mark_error(fields[field], problem.detail)
    else:
        fallback.text = problem.detail


def mark_error(element: ui.element, message: str) -> None:
    # Assigned, not parsed from a props string: messages may contain quotes.
    element.props["error"] = True
    element.props["error-message"] = message


def clear_errors(fields: dict[str, ui.element], fallback: ui.label) -> None:
    for element in fields.values():
        element.props.pop("error", None)
        element.props.pop("error-message", None)
    fallback.text = ""


class EventForm:
    def __init__(self, event: Event | None, default_start: datetime) -> None:
        timezone = event.timezone if event else "Europe/Berlin"
        start = event.starts_at if event else default_start
        end = event.ends_at if event else default_start + timedelta(hours=4)
        self.fields: dict[str, ui.element] = {}
        with ui.column().classes("w-full gap-2"):
            self.fields["title"] = ui.input("Title", value=event.title if event else "").props(
                "outlined data-testid=event-title").classes("w-full")
            self.fields["description"] = ui.textarea("Description (Markdown)",
                                                     value=event.description if event else "") \
                .props("outlined autogrow data-testid=event-description").classes("w-full")
            self.fields["venue"] = ui.input("Venue", value=event.venue if event else "").props(
                "outlined data-testid=event-venue").classes("w-full")
            with ui.row().classes("w-full gap-2"):
                self.fields["starts_at"] = ui.input("Starts", value=local_input(start, timezone)).props(
                    "type=datetime-local outlined stack-label data-testid=event-starts").classes("grow")
                self.fields["ends_at"] = ui.input("Ends", value=local_input(end, timezone)).props(
                    "type=datetime-local outlined stack-label data-testid=event-ends").classes("grow")
            self.fields["timezone"] = ui.select(TIMEZONES, value=timezone, label="Timezone", with_input=True) \
                .props("outlined data-testid=event-timezone").classes("w-full")
            with ui.row().classes("w-full gap-2 items-start"):
                self.fields["currency"] = ui.select(sorted(SUPPORTED_CURRENCIES), label="Currency",
                                                    value=event.currency if event else "EUR") \
                    .props("outlined data-testid=event-currency").classes("w-32")
                self.fields["fee_mode"] = ui.radio(FEE_MODES, value=event.fee_mode.value if event else "buyer_pays") \
                    .props("inline data-testid=event-fee-mode")

    def values(self) -> dict:
        f = self.fields
        title = (f["title"].value or "").strip()
        if not title:
            raise ValidationFailed("Give the event a title", field="title")
        timezone = f["timezone"].value or "UTC"
        starts_at = parse_local(f["starts_at"].value, timezone, "starts_at")
        ends_at = parse_local(f["ends_at"].value, timezone, "ends_at")
        assert starts_at is not None and ends_at is not None
        if ends_at <= starts_at:
            raise ValidationFailed("The end must come after the start", field="ends_at")
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
        self.fields: dict[str, ui.element] = {}
        with ui.row().classes("w-full gap-2 items-start"):
            self.fields["name"] = ui.input("Tier name", value=tier.name if tier else "") \
                .props(f"outlined dense data-testid=tier-name-{key}").classes("w-40 grow")
            self.fields["price"] = ui.input(f"Price ({event.currency})",
                                            value=amount_text(tier.price_minor, event.currency) if tier else "") \
                .props(f"outlined dense inputmode=decimal data-testid=tier-price-{key}").classes("w-28")
            self.fields["capacity"] = ui.number("Capacity", value=tier.capacity if tier else 100, min=1,
                                                precision=0) \
                .props(f"outlined dense data-testid=tier-capacity-{key}").classes("w-28")
            self.fields["max_per_order"] = ui.number("Max / order", value=tier.max_per_order if tier else 10,
                                                     min=1, max=50, precision=0) \
                .props(f"outlined dense data-testid=tier-max-{key}").classes("w-24")
            self.fields["sales_start"] = ui.input("Sales start", value=local_input(
                tier.sales_start if tier else None, event.timezone)) \
                .props("type=datetime-local outlined dense stack-label clearable").classes("w-52")
            self.fields["sales_end"] = ui.input("Sales end", value=local_input(
                tier.sales_end if tier else None, event.timezone)) \
                .props("type=datetime-local outlined dense stack-label clearable").classes("w-52")
            self.fields["hidden"] = ui.checkbox("Hidden (link only)", value=tier.hidden if tier else False)

    def values(self) -> dict:
        f = self.fields
        try:
            price_minor = parse_amount(str(f["price"].value or "0"), self.event.currency)
        except ValidationFailed as problem:
            raise ValidationFailed(problem.detail, field="price") from None
        capacity, max_per_order = f["capacity"].value, f["max_per_order"].value
        if capacity is None or capacity < 1 or capacity != int(capacity):
            raise ValidationFailed("A whole number of at least 1", field="capacity")
        if max_per_order is None or not 1 <= max_per_order <= 50:
            raise ValidationFailed("Between 1 and 50", field="max_per_order")
        if not (f["name"].value or "").strip():
            raise ValidationFailed("Name the tier", field="name")
        return {
            "name": f["name"].value, "price_minor": price_minor, "capacity": int(capacity),
            "max_per_order": int(max_per_order),
            "sales_start": parse_local(f["sales_start"].value, self.event.timezone, "sales_start", False),
            "sales_end": parse_local(f["sales_end"].value, self.event.timezone, "sales_end", False),
            "hidden": bool(f["hidden"].value),
        }


def register(services: Services) -> None:
    ticketing, organizing = services.ticketing, services.organizing

    @ui.page("/dashboard/events/new")
    def new_event_page() -> None:
        organizer = require_organizer(services, "/dashboard/events/new")
        if organizer is None:
            return
        default_start = (ticketing.clock.now() + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
        with frame("New event", organizer), ui.card().classes("w-full"):
            ui.label("New event").classes("text-2xl font-bold")
            form = EventForm(None, default_start)
            banner = ui.label().classes("text-red-700").props("data-testid=form-error")

            def create() -> None:
                clear_errors(form.fields, banner)
                try:
                    event = ticketing.create_event(organizer.id, **form.values())
                except DomainError as problem:
                    show_error(form.fields, problem, banner)
                    return
                ui.navigate.to(f"/dashboard/events/{event.id}/edit")

            ui.button("Create event and add tiers", on_click=create).props("data-testid=create-event")

    @ui.page("/dashboard/events/{event_id}/edit")
    def edit_event_page(event_id: str) -> None:
        here = f"/dashboard/events/{event_id}/edit"
        found = require_own_event(services, event_id, here)
        if found is None:
            return
        organizer, event = found
        @ui.refreshable
        def status_bar(current: Event) -> None:
            current = ticketing.own_event(organizer.id, event_id)
            with ui.row().classes("items-center gap-3"):
                ui.label(f"Status: {current.status.value}").classes("font-medium").props("data-testid=status")
                if current.status is EventStatus.DRAFT:
                    ui.button("Publish", icon="public", on_click=lambda: act(ticketing.publish)) \
                        .props("color=positive data-testid=publish")
                elif current.status is EventStatus.PUBLISHED:
                    ui.link("View public page", f"/e/{current.slug}", new_tab=True)
                    ui.button("Unpublish", on_click=lambda: act(organizing.unpublish)).props("flat")
                if current.status is not EventStatus.CANCELLED:
                    ui.button("Cancel event", on_click=confirm_cancel).props("flat color=negative")

        def act(action) -> None:  # type: ignore[no-untyped-def]
            try:
                action(organizer.id, event_id)
            except DomainError as problem:
                ui.notify(problem.detail, type="negative")
                return
            status_bar.refresh(event)

        def confirm_cancel() -> None:
            with ui.dialog(value=True) as dialog, ui.card():
                ui.label("Cancel this event? Sales stop at once and this cannot be undone.")
                with ui.row():
                    ui.button("Keep it", on_click=dialog.close).props("flat")
                    ui.button("Cancel event", on_click=lambda: (dialog.close(), act(organizing.cancel))) \
                        .props("color=negative")

        def cover_upload(current: Event) -> None:
            covers = services.covers
            ui.label("Cover image").classes("font-medium mt-2")
            preview = ui.image(f"/covers/{current.id}.jpg").classes("w-64 rounded")
            preview.set_visibility(covers.exists(current.id))

            async def uploaded(upload: events.UploadEventArguments) -> None:
                try:
                    covers.save(current.id, await upload.file.read())
                except DomainError as problem:
                    ui.notify(problem.detail, type="negative")
                    return
                preview.set_source(f"/covers/{current.id}.jpg?v={ticketing.clock.now().timestamp()}")
                preview.set_visibility(True)
                ui.notify("Cover image saved", type="positive")

            ui.upload(on_upload=uploaded, auto_upload=True, max_file_size=8 * 1024 * 1024) \
                .props("accept=image/* flat bordered label='Upload JPEG or PNG'").classes("w-64")

        @ui.refreshable
        def tiers_editor() -> None:
            current = ticketing.own_event(organizer.id, event_id)
            tiers = ticketing.store.get_tiers(event_id)
            with ui.card().classes("w-full gap-3"):
                ui.label("Ticket tiers").classes("text-lg font-semibold")
                for tier in tiers:
                    tier_row(current, tier, first=tier is tiers[0], last=tier is tiers[-1])
                ui.separator()
                ui.label("Add a tier").classes("font-medium")
                add_form = TierForm(None, current)
                add_banner = ui.label().classes("text-red-700").props("data-testid=tier-error-new")

                def add() -> None:
                    clear_errors(add_form.fields, add_banner)
                    try:
                        ticketing.add_tier(organizer.id, event_id, **add_form.values())
                    except DomainError as problem:
                        show_error(add_form.fields, problem, add_banner)
                        return
                    tiers_editor.refresh()

                ui.button("Add tier", icon="add", on_click=add).props("data-testid=add-tier")

        def tier_row(current: Event, tier: Tier, first: bool, last: bool) -> None:
            with ui.column().classes("w-full gap-1 border-b pb-2").props(f"data-testid=tier-row-{tier.id}"):
                form = TierForm(tier, current)
                with ui.row().classes("items-center gap-2 text-sm"):
                    ui.label(f"{tier.sold} sold · {tier.held} held · {tier.available} left").classes(
                        "text-slate-600"
                    )
                    banner = ui.label().classes("text-red-700").props(f"data-testid=tier-error-{tier.id}")

                    def save() -> None:
                        clear_errors(form.fields, banner)
                        try:
                            organizing.update_tier(organizer.id, event_id, tier.id, **form.values())
                        except CapacityBelowSold as problem:
                            mark_error(form.fields["capacity"], problem.detail)
                            return
                        except DomainError as problem:
                            show_error(form.fields, problem, banner)
                            return
                        ui.notify(f"{form.values()['name']} saved", type="positive")
                        tiers_editor.refresh()

                    def move(steps: int) -> None:
                        organizing.move_tier(organizer.id, event_id, tier.id, steps)
                        tiers_editor.refresh()

                    ui.button("Save", on_click=save).props(f"dense flat data-testid=save-tier-{tier.id}")
                    ui.button(icon="arrow_upward", on_click=lambda: move(-1)).props(
                        f"dense flat round aria-label='Move up' data-testid=up-{tier.id}").set_enabled(not first)
                    ui.button(icon="arrow_downward", on_click=lambda: move(+1)).props(
                        f"dense flat round aria-label='Move down' data-testid=down-{tier.id}").set_enabled(not last)

        with frame(f"Edit {event.title}", organizer):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(event.title).classes("text-2xl font-bold")
                ui.link("Open live dashboard →", f"/dashboard/events/{event.id}")
            status_bar(event)
            paid_sales_notice(services, organizer)
            with ui.card().classes("w-full"):
                ui.label("Details").classes("text-lg font-semibold")
                form = EventForm(event, event.starts_at)
                banner = ui.label().classes("text-red-700").props("data-testid=form-error")

                def save() -> None:
                    clear_errors(form.fields, banner)
                    try:
                        organizing.update_event(organizer.id, event.id, **form.values())
                    except DomainError as problem:
                        show_error(form.fields, problem, banner)
                        return
                    ui.notify("Saved", type="positive")

                ui.button("Save details", on_click=save).props("data-testid=save-event")
                cover_upload(event)
            tiers_editor()
