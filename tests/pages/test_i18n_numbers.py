"""Numbers on the analytics panels in the visitor's language (issue 15): rates as `12,5 %` for German and
Spanish readers, `12.5%` for English ones, and plotly told the locale's decimal and thousands marks, so
the charts' axes and hover labels read `1.234` in German."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from eventflow.domain.attendance import NoShow
from eventflow.domain.sales_week import WeekHours
from eventflow.domain.traffic import SourceFigures
from eventflow.i18n import Visitor, use_visitor
from eventflow.pages.components.attendance_panel import no_show_rows
from eventflow.pages.components.event_panels import arrivals_figure
from eventflow.pages.components.formatting import chart_separators, percent
from eventflow.pages.components.sales_week_chart import week_figure
from eventflow.pages.components.sources_panel import funnel_figure, source_rows

FIGURES = [SourceFigures("evt_1", "instagram", views=4000, visitors=1600, holds=300, orders=200, tickets=260,
                         revenue_minor=123450)]


@pytest.mark.parametrize(("language", "rate", "whole", "marks", "revenue"), [
    ("en", "12.5%", "100%", ".,", "€1,234.50"),
    ("de", "12,5\xa0%", "100\xa0%", ",.", "1.234,50\xa0€"),
    ("es", "12,5\xa0%", "100\xa0%", ",.", "1.234,50\xa0€"),
])
def test_rates_and_chart_numbers_are_written_the_readers_way(
        language: str, rate: str, whole: str, marks: str, revenue: str) -> None:
    with use_visitor(Visitor(language)):
        row = source_rows(FIGURES, "EUR")[0]
        assert (row["conversion"], row["revenue"]) == (rate, revenue)  # 200 orders of 1,600 visitors
        assert percent(1.0, 0) == whole and percent(None) == "—"
        assert chart_separators() == marks
        assert funnel_figure(FIGURES)["layout"]["separators"] == marks
        door = arrivals_figure({datetime(2027, 1, 9, 19, 5, tzinfo=UTC): 3}, ZoneInfo("Europe/Berlin"))
        assert door["layout"]["separators"] == marks
        assert week_figure(WeekHours(((0,) * 24,) * 7, 0))["layout"]["separators"] == marks
        assert no_show_rows([NoShow("tier_1", "Deck", sold=8, admitted=7, absent=1)])[0]["rate"] == \
            percent(0.125, 0)
