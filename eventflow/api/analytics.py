"""The organizer's analytics of one event (issue 18): `GET /events/{id}/analytics` and the exports
(`orders.xlsx`, `attendees.xlsx|csv`, `checkins.xlsx|csv`, `sources.xlsx|csv`; `orders.csv` is api/events.py's).
Organizer routes, so plain `def` (FastAPI's thread pool); another organizer's event is 404."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from eventflow.adapters.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_lines, xlsx_bytes
from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import json_response
from eventflow.domain.attendance import with_attendance
from eventflow.domain.door_pace import attendance_from
from eventflow.domain.event_analytics import analytics_json
from eventflow.domain.sales_advice import advice_json

router = resource_router()


class SourceOut(BaseModel):
    source: str  # the `ref` or `utm_source` of the page the buyer came through; "direct" for neither
    views: int
    visitors: int  # unique per day (a salted hash kept in memory for the day only)
    holds: int
    orders: int  # paid orders, by last touch
    tickets: int
    revenue_minor: int  # ticket prices after discounts, before the platform fee
    first_touch_orders: int
    first_touch_revenue_minor: int
    conversion: float | None  # paid orders per visitor


class AnalyticsOut(BaseModel):
    sources: list[SourceOut]
    funnel: dict[str, Any]  # views, visitors, holds, orders, tickets, revenue_minor and the rates between
    velocity: list[dict[str, Any]]  # per tier: tickets per hour over the last 24 h and since the first sale
    forecast: dict[str, Any] | None  # {sell_out_at, low, high (null: may not sell out), ...} or null (see the reason)
    forecast_reason: str | None = None  # why there is no forecast: too_few_sales, sold_out, ... (domain/forecast.py)
    forecast_by_close: int | None = None  # short_at_this_pace: tickets expected sold by the close
    backtest: dict[str, Any] | None = None  # the forecast held out on past sold-out events: error in hours
    tier_forecasts: list[dict[str, Any]] = []  # per tier: {tier_id, forecast, forecast_reason, forecast_by_close}
    arrivals: list[dict[str, Any]]  # door admissions per 5-minute slot (UTC), `devices`: {device id: admissions}
    # the peak minute and the doors it needed, each device's pace, no-shows per tier (domain/attendance.py)
    attendance: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]]  # pricing suggestions not dismissed: key, kind, title, reasoning, advice, facts


@router.get("/events/{event_id}/analytics", response_model=AnalyticsOut, responses=ERRORS)
def event_analytics(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Where buyers came from (views, holds, paid orders, revenue per source and the funnel), sales
    velocity per tier, door arrivals per 5 minutes, the sell-out forecast with its back-test and the pricing
    suggestions (domain/sales_advice.py)."""
    event = app.catalog.own_event(organizer_id, event_id)
    figures, now = app.queries.event_figures(event_id), app.ticketing.clock.now()
    body = analytics_json(app.traffic.figures(event_id), figures.tiers, figures.sales, figures.door, now)
    # forecast, back-test and suggestions (issue 18): from the whole sale's hours and the organizer's past events
    body.update(advice_json(app.sales_advice.read(event, figures.tiers, figures.sales,
                                                  app.traffic.figures(event_id))))
    # the door's pace from the store's aggregates, read in a time independent of the check-ins (door_pace.py)
    attendance = attendance_from(event, figures, app.queries.door_pace(event_id),
                                 lambda: app.queries.checkins(event_id), now)
    return json_response(with_attendance(body, attendance))


@router.post("/events/{event_id}/analytics/suggestions/{key}/dismiss", responses=ERRORS)
def dismiss_suggestion(event_id: str, key: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The organizer dismisses a pricing suggestion of the event: it is no longer listed, for good (stored
    per event and key). 404 for a key the event has no suggestion for."""
    event = app.catalog.own_event(organizer_id, event_id)
    app.sales_advice.dismiss(event, key, app.traffic.figures(event_id))
    return json_response({"key": key, "dismissed": True})


# ------------------------------------------------------------------ exports (CSV and XLSX)
def _download(app: ServicesDep, organizer_id: str, event_id: str, kind: str, extension: str) -> Response:
    """A sheet of the organizer's event as a file: CSV streamed row by row, XLSX written whole (in a
    temporary file, orders read page by page either way). Money in major units next to a currency
    column and the exact `*_minor` integers; times in the event's timezone; text made formula-safe."""
    event = app.catalog.own_event(organizer_id, event_id)
    sheet = app.exports.sheet(event, kind)
    headers = {"Content-Disposition": f'attachment; filename="{event.slug}-{kind}.{extension}"'}
    if extension == "csv":
        return StreamingResponse(csv_lines(sheet), media_type=CSV_TYPE, headers=headers)
    return Response(xlsx_bytes(sheet), media_type=XLSX_TYPE, headers=headers)


@router.get("/events/{event_id}/orders.xlsx", responses=ERRORS, response_class=Response)
def orders_xlsx(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Orders, one row per ticket (the CSV's columns, attendee and checkout answers after them)."""
    return _download(app, organizer_id, event_id, "orders", "xlsx")


@router.get("/events/{event_id}/attendees.xlsx", responses=ERRORS, response_class=Response)
def attendees_xlsx(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Who comes: one row per valid ticket with the answers to the checkout questions."""
    return _download(app, organizer_id, event_id, "attendees", "xlsx")


@router.get("/events/{event_id}/attendees.csv", responses=ERRORS, response_class=Response)
def attendees_csv(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    return _download(app, organizer_id, event_id, "attendees", "csv")


@router.get("/events/{event_id}/checkins.xlsx", responses=ERRORS, response_class=Response)
def checkins_xlsx(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Door admissions in scan order: ticket, attendee, tier, when, which device, offline or not."""
    return _download(app, organizer_id, event_id, "checkins", "xlsx")


@router.get("/events/{event_id}/checkins.csv", responses=ERRORS, response_class=Response)
def checkins_csv(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    return _download(app, organizer_id, event_id, "checkins", "csv")


@router.get("/events/{event_id}/sources.xlsx", responses=ERRORS, response_class=Response)
def sources_xlsx(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Per source: views, visitors, holds, paid orders, tickets, revenue, conversion, first-touch orders."""
    return _download(app, organizer_id, event_id, "sources", "xlsx")


@router.get("/events/{event_id}/sources.csv", responses=ERRORS, response_class=Response)
def sources_csv(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    return _download(app, organizer_id, event_id, "sources", "csv")
