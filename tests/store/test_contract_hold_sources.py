"""Store contract for reading many holds' sources at once (`TrafficStore.hold_sources`, an export's page of
orders) and the ids of an event's succeeded refunds (`succeeded_refund_ids`, domain/source_refunds.py): the same
on every store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from eventflow.domain.traffic import HoldSource


def test_hold_sources_are_read_in_bulk(store: Any) -> None:
    kept = [HoldSource(f"res_{i:04d}", "evt_a", "instagram", f"link-{i % 3}") for i in range(0, 230, 2)]
    for source in kept:
        store.save_hold_source(source)
    wanted = [f"res_{i:04d}" for i in range(230)] + ["res_0000", "res_unknown"]
    assert store.hold_sources(wanted) == {source.reservation_id: source for source in kept}
    assert store.hold_sources([]) == {}


def test_succeeded_refund_ids_list_only_finished_refunds_of_orders(store: Any) -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)

    def refund(refund_id: str, order_id: str | None, event_id: str = "evt_a") -> Refund:
        tickets = (f"tkt_{refund_id}",) if order_id else ()
        return Refund(refund_id, event_id, f"res_{refund_id}", order_id, "pi_1", tickets,
                      (("tier_1", 1),) if order_id else (), 1000, 30, "EUR", RefundReason.ORGANIZER, False,
                      RefundStatus.PENDING, now)

    for record, ending in ((refund("rf_b", "ord_1"), RefundStatus.SUCCEEDED),
                           (refund("rf_a", "ord_2"), RefundStatus.SUCCEEDED),
                           (refund("rf_c", "ord_3"), RefundStatus.FAILED),
                           (refund("rf_d", "ord_4"), None),  # still pending
                           (refund("rf_e", None), RefundStatus.SUCCEEDED),  # a payment that never became an order
                           (refund("rf_f", "ord_5", "evt_b"), RefundStatus.SUCCEEDED)):
        store.start_refund(record)
        if ending is not None:
            store.finish_refund(record.id, ending, now)
    assert store.succeeded_refund_ids("evt_a") == ["rf_a", "rf_b"]
    assert store.succeeded_refund_ids("evt_none") == []
