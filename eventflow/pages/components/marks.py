"""`N_("Draft")`: marks a word kept in a module-level table for the gettext catalogue (babel's extractor
knows `N_`) without translating it at import; the page translates it with `_()` where it is shown, in
the visitor's language (eventflow/i18n.py)."""

from __future__ import annotations

from typing import Any

from eventflow.i18n import _


def N_(message: str) -> str:  # gettext's conventional name for a deferred mark
    return message


def translated(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A table's columns (labels marked with N_) with their labels in the visitor's language."""
    return [{**column, "label": _(column["label"]) if column["label"] else ""} for column in columns]
