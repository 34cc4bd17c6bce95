"""Rates on the sources panel as an organizer reads them: `100%` and `5%` (no trailing `.0`), one decimal
when there is one (`12.5%`, `12,5 %` in German)."""

from __future__ import annotations

import pytest

from eventflow.i18n import Visitor, use_visitor
from eventflow.pages.components.formatting import rate


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["100%", "12.5%", "5%", "5.3%", "0%", "—"]),
    ("de", ["100\xa0%", "12,5\xa0%", "5\xa0%", "5,3\xa0%", "0\xa0%", "—"]),
])
def test_rates_have_no_trailing_zero_decimal(language: str, expected: list[str]) -> None:
    with use_visitor(Visitor(language)):
        assert [rate(share) for share in (1.0, 0.125, 0.05, 0.053, 0.0, None)] == expected
