"""The dashboard attendee table's "Ticket holders" and "Answers" cells (issue 17).

Holders come with the orders (each ticket's `holder_name`); the answers from the event's `AnswerSheet`
(domain/attendees.py), read once when the table opens and again only when an order shows up that the
sheet has not seen (a sale since), never per live refresh. An event without questions reads nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import background_tasks, ui

from eventflow.domain.attendees import AnswerSheet
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Order
from eventflow.services import Services


class AnswerCells:
    def __init__(self, services: Services, event_id: str, changed: Callable[[], None]) -> None:
        self.services, self.event_id, self.changed = services, event_id, changed
        self.sheet: AnswerSheet | None = None
        self.asked: set[str] = set()  # orders a re-read was made for (some never have answers)
        self.reading = False
        ui.timer(0, self.reload, once=True)

    async def reload(self) -> None:
        self.reading = True
        try:
            sheet = await self.services.off_loop(self.services.attendees.answer_sheet, self.event_id)
        except DomainError:  # the store was busy: the table stays as it is
            return
        finally:
            self.reading = False
        self.sheet = sheet if sheet.questions else None
        self.changed()

    def cells(self, order: Order) -> dict[str, str]:
        sheet = self.sheet
        if sheet is not None and not sheet.knows(order) and order.id not in self.asked and not self.reading:
            self.asked.add(order.id)
            background_tasks.create(self.reload(), name="attendee answers")
        return {"holders": ", ".join(t.holder_name for t in order.tickets),
                "answers": sheet.summary(order) if sheet is not None else ""}
