"""Store contract for reading many holds' sources at once (`TrafficStore.hold_sources`, an export's page of
orders): the same on every store."""

from __future__ import annotations

from typing import Any

from eventflow.domain.traffic import HoldSource


def test_hold_sources_are_read_in_bulk(store: Any) -> None:
    kept = [HoldSource(f"res_{i:04d}", "evt_a", "instagram", f"link-{i % 3}") for i in range(0, 230, 2)]
    for source in kept:
        store.save_hold_source(source)
    wanted = [f"res_{i:04d}" for i in range(230)] + ["res_0000", "res_unknown"]
    assert store.hold_sources(wanted) == {source.reservation_id: source for source in kept}
    assert store.hold_sources([]) == {}
