"""Per-buyer limits: one standing hold per buyer and event, so holds cannot be stacked.

The fairness bug (issue 13): anonymous holds of up to a tier's max-per-order each, so a handful of
requests held a whole tier. A buyer is known by their email and, from the page, by a per-browser
token; a new hold by either key REPLACES the buyer's previous hold for that event instead of
stacking (so one buyer holds at most what one order may hold: the tier's max-per-order).

How (both stores, no lock): each key has a "standing hold" slot (`Store.exchange_buyer_hold`, an
atomic exchange). A reserve first exchanges its id into the slot and releases the hold it
displaced (before its own tickets are taken: never both counted), then takes its tickets, then
checks the slot still names it; if a concurrent hold of the same buyer displaced it meanwhile it
releases itself. Whoever displaces a written hold releases it, and a hold displaced before it was
written finds that out in its check, so of concurrent holds by one buyer at most one stands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from eventflow.domain.models import Buyer

MAX_BUYER_TOKEN = 100  # characters of the page's per-browser token kept


def buyer_keys(buyer: Buyer, token: str | None = None) -> tuple[str, ...]:
    """The buyer's slot keys: hashes (no email lands in a key) of the normalised email and of the
    browser's token when one is sent."""
    raw = [f"email:{buyer.email}"]
    if token and token.strip():
        raw.append(f"token:{token.strip()[:MAX_BUYER_TOKEN]}")
    return tuple(hashlib.sha256(text.encode()).hexdigest()[:32] for text in raw)


def displaced(previous: Sequence[str | None], reservation_id: str) -> list[str]:
    """The holds an exchange displaced that are another reservation (a retry displaces itself)."""
    return sorted({p for p in previous if p is not None and p != reservation_id})
