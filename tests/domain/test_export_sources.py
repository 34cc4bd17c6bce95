"""The order exports carry the order's source (issue 18): `source` (last touch, as the analytics counts the
order) and `first_touch_source`, in the CSV and the XLSX, looked up a page of orders at a time."""

from __future__ import annotations

import csv
import io

import openpyxl

from eventflow.adapters.spreadsheets import xlsx_bytes
from eventflow.domain.analytics import orders_csv
from eventflow.domain.exports import orders_sheet
from eventflow.domain.models import Buyer
from eventflow.domain.queries import Queries
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.traffic import Touch, Traffic
from tests.conftest import publish_event


def test_each_order_row_names_its_last_and_first_touch(service: Ticketing) -> None:
    service.traffic = Traffic(service.store, service.clock)
    event, tiers = publish_event(service)
    touches = [Touch(first="instagram", last="newsletter"), Touch.of("=flyer"), None]  # a formula-like ref
    for number, touch in enumerate(touches):
        held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer(f"b{number}@example.com", "B"),
                               source=touch)
        service.confirm(held.id, payment_ref="demo")
    queries = Queries(service.store)
    orders = queries.orders(event.id)
    expected = {("newsletter", "instagram"), ("flyer", "flyer"), ("direct", "direct")}

    rows = list(csv.DictReader(io.StringIO(orders_csv(orders, tiers, touches=queries.order_touches(orders)))))
    assert {(r["source"], r["first_touch_source"]) for r in rows} == expected and len(rows) == 6

    lookups: list[int] = []

    def counted(page):  # type: ignore[no-untyped-def]
        lookups.append(len(page))
        return queries.order_touches(page)

    sheet = orders_sheet(orders, tiers, "Europe/Berlin", [], None, "EUR", counted)
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheet))).active
    header = [c.value for c in ws[1]]
    cells = {(row[header.index("source")], row[header.index("first_touch_source")])
             for row in ws.iter_rows(min_row=2, values_only=True)}
    assert cells == expected and lookups == [3]  # one lookup for the page of three orders
