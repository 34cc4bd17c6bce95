"""The tickets-per-buyer cap's contract (tests/store/test_contract_buyer_caps.py) runs on the fake there already (its
fixtures include "fake"); this module only checks the fake has the cap's store methods, as the real stores do."""

from __future__ import annotations

from eventflow.domain.buyer_caps import BuyerCapStore
from tests.fakes.memory_store import InMemoryStore


def test_the_fake_has_the_cap_store_methods() -> None:
    store: BuyerCapStore = InMemoryStore()
    store.note_buyer_reservation("evt", "k", "res_1")
    assert store.buyer_reservation_ids("evt", "k") == ["res_1"]
