"""The line under an organizer's settings form that says what its save did: what was done in green,
a refusal in red and in the visitor's language. One place for the words' look."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.i18n import error_text


def note_done(note: ui.label, text: str) -> None:
    note.set_text(text)
    note.classes(replace="text-sm text-emerald-800")


def note_refused(note: ui.label, error: DomainError) -> None:
    note.set_text(error_text(error))
    note.classes(replace="text-sm text-red-700")
