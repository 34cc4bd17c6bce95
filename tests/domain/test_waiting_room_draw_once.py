"""One draw per process at a time (domain/waiting_room.py): while a big DynamoDB draw runs (minutes), the other polls
of the same instance answer "waiting" without a place instead of each starting the same draw again."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from eventflow.domain.clock import ManualClock
from eventflow.domain.reservations import Ticketing
from eventflow.domain.waiting_room import RoomState, RoomStateName
from tests.domain.test_waiting_room import EVENT, early_crowd, room


def test_polls_during_a_draw_wait_instead_of_drawing_again(service: Ticketing, clock: ManualClock,
                                                           monkeypatch: Any) -> None:
    wr = room(service, clock)
    first, second = early_crowd(wr, clock, 2)
    clock.advance(timedelta(minutes=5))
    drawing, release = threading.Event(), threading.Event()
    draws: list[str] = []
    draw = wr.store.draw_waiting_room

    def slow_draw(event_id: str) -> RoomState:
        draws.append(event_id)
        drawing.set()
        assert release.wait(10)
        return draw(event_id)

    monkeypatch.setattr(wr.store, "draw_waiting_room", slow_draw)
    answers: dict[str, Any] = {}
    drawer = threading.Thread(target=lambda: answers.update(first=wr.status(EVENT, first)))
    drawer.start()
    assert drawing.wait(10)
    meanwhile = wr.status(EVENT, second)  # the draw is running in the other thread
    assert (meanwhile.state, meanwhile.position) == (RoomStateName.WAITING, None)
    release.set()
    drawer.join(10)
    assert draws == [EVENT] and answers["first"].position in (1, 2)
    assert wr.status(EVENT, second).position in (1, 2)  # drawn now: its place
