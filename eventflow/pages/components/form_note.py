"""The line under an organizer's settings form that says what its save did: what was done in green,
a refusal in red and in the visitor's language. One place for the words' look."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.i18n import error_text

T = TypeVar("T")


def note_done(note: ui.label, text: str) -> None:
    note.set_text(text)
    note.classes(replace="text-sm text-emerald-800")


def note_refused(note: ui.label, error: DomainError) -> None:
    note.set_text(error_text(error))
    note.classes(replace="text-sm text-red-700")


async def saved_with_note(note: ui.label, saving: Awaitable[T], done: str) -> T | None:
    """Awaits a save and says how it went: `done` and the saved value, or the refusal and None."""
    try:
        value = await saving
    except DomainError as error:
        note_refused(note, error)
        return None
    note_done(note, done)
    return value
