"""Exports (domain/exports.py, adapters/spreadsheets.py): orders read page by page, checkout answers as columns,
types kept in XLSX, every formula-looking text inert in CSV and XLSX alike."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from eventflow.adapters.spreadsheets import csv_lines, xlsx_bytes
from eventflow.domain.attendees import AnswerSheet, Attendee, AttendeeList
from eventflow.domain.exports import all_orders, attendees_sheet, orders_sheet, sources_sheet
from eventflow.domain.models import Buyer, CheckIn, Order, Ticket, TicketStatus, Tier
from eventflow.domain.questions import Question
from eventflow.domain.traffic import SourceFigures

T0 = datetime(2027, 5, 1, 18, 0, tzinfo=UTC)
TIER = Tier(id="tier_a", event_id="evt", name="+Standing", price_minor=1250, capacity=100)
ATTACKS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def order(n: int, name: str = "Ada", tickets: int = 1) -> Order:
    return Order(id=f"ord_{n}", reservation_id=f"res_{n}", event_id="evt", buyer=Buyer(f"b{n}@example.com", name),
                 currency="KWD", subtotal_minor=1250 * tickets, fee_minor=0, total_minor=1250 * tickets,
                 created_at=T0 + timedelta(minutes=n), payment_ref="demo",
                 tickets=tuple(Ticket(id=f"tkt_{n}_{i}", order_id=f"ord_{n}", event_id="evt", tier_id="tier_a",
                                      holder_name=name, access_key="k", secret="s", price_minor=1250, fee_minor=331,
                                      status=TicketStatus.VOID if i == 2 else TicketStatus.VALID)
                               for i in range(tickets)))


def test_orders_are_read_a_page_at_a_time() -> None:
    orders = sorted((order(n) for n in range(5)), key=lambda o: (o.created_at, o.id), reverse=True)
    calls: list[tuple[datetime, str] | None] = []

    def page(event_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Order]:
        calls.append(after)
        rest = [o for o in orders if after is None or (o.created_at, o.id) < after]
        return rest[:limit]

    assert [o.id for o in all_orders(page, "evt", page=2)] == [o.id for o in orders]
    assert calls == [None, (orders[1].created_at, orders[1].id), (orders[3].created_at, orders[3].id)]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_formula_in_any_text_cell_comes_out_inert(attack: str) -> None:
    question = Question(id="q1", label="=Dietary", per_ticket=True)
    answers = AnswerSheet([question], [AttendeeList("res_1", "evt", (Attendee(attack, "", {"q1": attack}),))])
    sheet = orders_sheet([order(1, name=attack)], [TIER], "Asia/Kuwait", [], answers, "KWD")
    rows = list(csv.reader(io.StringIO("".join(csv_lines(sheet)))))
    assert rows[0][-1] == "'=Dietary" and rows[1][2] == "'" + attack and rows[1][-1] == "'" + attack
    assert rows[1][5] == "'+Standing"  # an organizer's tier name too
    sheet = orders_sheet([order(1, name=attack)], [TIER], "Asia/Kuwait", [], answers, "KWD")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheet))).active
    name, answer = ws.cell(row=2, column=3), ws.cell(row=2, column=ws.max_column)
    inert = "'" + attack.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert (name.value, name.data_type, answer.value, answer.data_type) == (inert, "s", inert, "s")


def test_xlsx_keeps_numbers_dates_and_booleans() -> None:
    checkin = CheckIn("tkt_1_0", "evt", "door-1", T0 + timedelta(hours=2), "n1")
    sheet = orders_sheet([order(1, tickets=3)], [TIER], "Asia/Kuwait", [checkin], None, "KWD")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheet))).active
    header = [c.value for c in ws[1]]
    first = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert first["created_at"] == datetime(2027, 5, 1, 21, 1)  # Kuwait's wall time (UTC+3), a real date cell
    assert first["price"] == Decimal("1.25") or first["price"] == 1.25  # KWD has three decimals: 1.250
    assert ws.cell(row=2, column=header.index("price") + 1).number_format == "0.000"
    assert (first["price_minor"], first["checked_in"], first["checked_in_at"]) == (1250, True, datetime(2027, 5, 1, 23))
    attendees = attendees_sheet([order(1, tickets=3)], [TIER], "Asia/Kuwait", [checkin], None)
    assert len(list(attendees.rows)) == 2  # the void ticket is nobody's seat


def test_sources_sheet_has_the_funnel_per_source() -> None:
    sheet = sources_sheet([SourceFigures("evt", "instagram", views=200, visitors=100, holds=10, orders=4, tickets=6,
                                         revenue_minor=7500, first_orders=3, first_revenue_minor=6000)], "EUR")
    [row] = list(sheet.rows)
    assert dict(zip(sheet.columns, row, strict=True)) == {
        "source": "instagram", "views": 200, "visitors": 100, "holds": 10, "orders": 4, "tickets": 6,
        "revenue_minor": 7500, "revenue": Decimal("75.00"), "currency": "EUR", "conversion": Decimal("0.04"),
        "first_touch_orders": 3, "first_touch_revenue_minor": 6000}
