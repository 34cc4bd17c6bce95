"""The DynamoDB waiting-room draw writes its ranks in batches (store/dynamodb/waiting_room.py): a draw cut off
halfway (its instance died) is finished by the next one from its checkpoint, with the very ranks one
uninterrupted draw writes; a draw repeated after the end changes nothing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eventflow.domain.waiting_room import RoomEntry, RoomState
from eventflow.store.dynamodb import waiting_room as dynamo_room
from eventflow.store.dynamodb.store import DynamoStore
from tests.store.moto_server import in_process_table

OPENS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ENTRANTS = 40


class InstanceDied(Exception):
    """The draw's process stopped mid-way (a crash, a deploy)."""


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoStore]:
    monkeypatch.setattr(dynamo_room, "DRAW_CHUNK", 8)  # five checkpoints for 40 entrants
    with in_process_table("eventflow-room-draw") as dynamo_store:
        yield dynamo_store


def fill_room(store: DynamoStore) -> dict[str, int]:
    keys = random.Random(13).sample(range(1, 2**62), ENTRANTS)
    for number, random_key in enumerate(keys):
        store.join_waiting_room(RoomEntry("evt_hot", f"v{number:03d}", OPENS - timedelta(minutes=1), random_key,
                                          early=False), OPENS)
    ranked = sorted(range(ENTRANTS), key=lambda i: keys[i])
    return {f"v{i:03d}": position for position, i in enumerate(ranked, start=1)}


def positions(store: DynamoStore) -> dict[str, int | None]:
    return {f"v{i:03d}": entry.drawn_position for i in range(ENTRANTS)
            if (entry := store.get_room_entry("evt_hot", f"v{i:03d}")) is not None}


def test_a_draw_cut_off_halfway_is_finished_by_the_next_with_the_same_ranks(
        store: DynamoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = fill_room(store)
    put_batch = dynamo_room.DynamoWaitingRoomMixin._put_batch
    written: list[int] = []

    def dies_after_two_chunks(self: Any, items: list[dict[str, Any]]) -> None:
        if sum(written) >= 16:
            raise InstanceDied
        put_batch(self, items)
        written.append(len(items))

    monkeypatch.setattr(dynamo_room.DynamoWaitingRoomMixin, "_put_batch", dies_after_two_chunks)
    with pytest.raises(InstanceDied):
        store.draw_waiting_room("evt_hot")
    assert store.get_room_state("evt_hot") == RoomState("evt_hot")  # not drawn: nobody gets a wrong place
    half = positions(store)
    assert {v: p for v, p in half.items() if p is not None} == {v: p for v, p in expected.items() if p <= 16}

    monkeypatch.setattr(dynamo_room.DynamoWaitingRoomMixin, "_put_batch", put_batch)
    resumed: list[int] = []
    monkeypatch.setattr(dynamo_room.DynamoWaitingRoomMixin, "_put_batch",
                        lambda self, items: (resumed.append(len(items)), put_batch(self, items))[1])
    state = store.draw_waiting_room("evt_hot")
    assert state == RoomState("evt_hot", drawn=True, early_total=ENTRANTS)
    assert positions(store) == expected
    assert sum(resumed) == ENTRANTS - 16  # went on from the checkpoint: the first 16 ranks were not rewritten
    assert max(resumed) <= 25  # BatchWriteItem's limit

    assert store.draw_waiting_room("evt_hot") == state  # once drawn, drawing again writes nothing
    assert sum(resumed) == ENTRANTS - 16


def test_a_draw_over_ranks_another_instance_wrote_agrees_and_late_joins_follow(store: DynamoStore) -> None:
    """Another instance drawing alongside had written some ranks (no checkpoint yet): the same ranks."""
    expected = fill_room(store)
    store._put_batch(
        [dynamo_room._drawn_item("evt_hot", visitor, position) for visitor, position in list(expected.items())[:5]])
    assert store.draw_waiting_room("evt_hot") == RoomState("evt_hot", True, ENTRANTS)
    assert positions(store) == expected
    late = store.join_waiting_room(RoomEntry("evt_hot", "late", OPENS - timedelta(seconds=1), 1, early=False),
                                   OPENS)
    assert (late.early, store.get_room_state("evt_hot").position(late)) == (False, ENTRANTS + 1)
