"""The order exports over HTTP carry the order's source (issue 18): `orders.csv` and `orders.xlsx` name the
last touch (`source`, as the analytics counts the order) and the first touch of a sale made through a link."""

from __future__ import annotations

import csv
import io

import httpx
import openpyxl

from tests.api import test_analytics_api

api = test_analytics_api.api
sold = test_analytics_api.sold


def test_orders_csv_and_xlsx_name_the_sources(api: httpx.Client, sold) -> None:  # type: ignore[no-untyped-def]
    event, auth = sold
    rows = list(csv.DictReader(io.StringIO(api.get(f"/events/{event['id']}/orders.csv", headers=auth).text,
                                           newline="")))
    assert [(r["source"], r["first_touch_source"]) for r in rows] == [("instagram", "flyer")] * 2
    workbook = api.get(f"/events/{event['id']}/orders.xlsx", headers=auth).content
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    header = [c.value for c in sheet[1]]
    cells = [(row[header.index("source")], row[header.index("first_touch_source")])
             for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == [("instagram", "flyer")] * 2
