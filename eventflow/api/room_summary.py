"""The `room` field of `GET /events/{id}` (issue 13): whether the sale has a waiting room or runs as a drop,
when it opens, and the queue's length once the room has drawn its order (domain/waiting_room.py `summary`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from eventflow.domain.waiting_room import RoomSummary


class RoomSummaryOut(BaseModel):
    waiting_room: bool  # reserving needs a pass from the room (`POST /events/{id}/waiting-room`)
    opens_at: datetime | None  # the sale's opening, when the organizer set one
    open: bool  # the opening has passed (always true without one)
    drop_mode: bool  # short holds while the sale runs
    queue_length: int | None  # places given so far; null before the opening's draw or without a room


def room_summary_out(summary: RoomSummary) -> RoomSummaryOut:
    return RoomSummaryOut(waiting_room=summary.waiting_room, opens_at=summary.opens_at, open=summary.is_open,
                          drop_mode=summary.drop_mode, queue_length=summary.queue_length)
