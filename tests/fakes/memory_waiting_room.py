"""`InMemoryStore`'s fair-sale settings and waiting room (domain/sale_settings.py, domain/waiting_room.py):
dicts under a lock, each call atomic as the real stores' transactions are."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import RoomEntry, RoomState


class InMemoryWaitingRoomMixin:
    def __init__(self) -> None:
        self._sale_settings: dict[str, SaleSettings] = {}
        self._rooms: dict[str, RoomState] = {}
        self._room_entries: dict[tuple[str, str], RoomEntry] = {}
        self._room_lock = threading.Lock()
        self._buyer_notes: dict[tuple[str, str], set[str]] = {}

    def get_sale_settings(self, event_id: str) -> SaleSettings | None:
        with self._room_lock:
            return self._sale_settings.get(event_id)

    def save_sale_settings(self, settings: SaleSettings) -> None:
        with self._room_lock:
            self._sale_settings[settings.event_id] = settings

    def join_waiting_room(self, entry: RoomEntry, opens_at: datetime) -> RoomEntry:
        with self._room_lock:
            stored = self._room_entries.get((entry.event_id, entry.visitor_id))
            if stored is not None:
                return stored
            state = self._rooms.get(entry.event_id, RoomState(entry.event_id))
            early = entry.joined_at < opens_at and not state.drawn
            number = None
            if not early:
                state = replace(state, late_count=state.late_count + 1)
                self._rooms[entry.event_id] = state
                number = state.late_count
            stored = replace(entry, early=early, late_number=number, drawn_position=None)
            self._room_entries[(entry.event_id, entry.visitor_id)] = stored
            return stored

    def get_room_entry(self, event_id: str, visitor_id: str) -> RoomEntry | None:
        with self._room_lock:
            return self._room_entries.get((event_id, visitor_id))

    def get_room_state(self, event_id: str) -> RoomState:
        with self._room_lock:
            return self._rooms.get(event_id, RoomState(event_id))

    def draw_waiting_room(self, event_id: str) -> RoomState:
        with self._room_lock:
            state = self._rooms.get(event_id, RoomState(event_id))
            if state.drawn:
                return state
            early = sorted((e for (event, _), e in self._room_entries.items() if event == event_id and e.early),
                           key=lambda e: (e.random_key, e.visitor_id))
            for position, entry in enumerate(early, start=1):
                self._room_entries[(event_id, entry.visitor_id)] = replace(entry, drawn_position=position)
            state = replace(state, drawn=True, early_total=len(early))
            self._rooms[event_id] = state
            return state

    def note_buyer_reservation(self, event_id: str, buyer_key: str, reservation_id: str) -> None:
        with self._room_lock:
            self._buyer_notes.setdefault((event_id, buyer_key), set()).add(reservation_id)

    def buyer_reservation_ids(self, event_id: str, buyer_key: str) -> list[str]:
        with self._room_lock:
            return sorted(self._buyer_notes.get((event_id, buyer_key), set()))
