""""Join the waitlist" on the event page, live (issue 13): shown under every tier sold out when the page loads,
and added under a tier that sells out while the page is open, when the live counts say so (the page's
`remember_counts`, after the counts' message left: components/live_counts.py). Only that one page change is
sent, once per tier and page; no store call (the hub read the counts)."""

from __future__ import annotations

from collections.abc import Mapping

from eventflow.domain.models import EventView, TierCount
from eventflow.i18n import use_visitor
from eventflow.pages.components.tier_card import TierRow
from eventflow.pages.components.waitlist_join import WaitlistJoin
from eventflow.services import Services


class LiveWaitlistJoins:
    """The waitlist joins of one open event page."""

    def __init__(self, services: Services, view: EventView, rows: Mapping[str, TierRow]) -> None:
        self.services, self.view, self.rows = services, view, rows
        self.shown: set[str] = set()
        self.counts_changed([])  # the tiers sold out already: built with the page

    def counts_changed(self, counts: list[TierCount]) -> None:
        """Add the join under each tier now sold out (on sale, public, and without one yet)."""
        if counts and all(count.available > 0 for count in counts):
            return  # the common case, on every open page for every sale: nothing sold out, nothing to do
        available = {count.tier_id: count.available for count in counts}
        now = self.services.ticketing.clock.now()
        for tier in self.view.tiers:
            row = self.rows.get(tier.id)
            left = available.get(tier.id, tier.available if not counts else None)
            if (row is None or tier.id in self.shown or tier.hidden or left is None or left > 0
                    or not tier.on_sale_at(now)):
                continue
            self.shown.add(tier.id)
            with use_visitor(row.visitor), row.card.default_slot.children[0]:  # under the badge, in its words
                WaitlistJoin(self.services, self.view.event.id, tier)
