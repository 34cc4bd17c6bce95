"""The public JSON API (`/api/v1`): thin translation between HTTP and the domain services.

One module per resource: `auth`, `events`, `buying` (reservations, checkout, tickets), `door`
(staff links, check-in), `payments` (Stripe Connect), `orders` (cancel, postpone, void), `flyers`
(posters, posts, captions), `codes` (access and promo codes), `health`;
`deps` holds what routes depend on, `errors` how they fail: every error leaves as
`{"error": code, "detail": text}` with a 4xx status (see `install_error_handlers`).

Where routes run (one rule):
- Routes of buyers and door staff (what a ticket drop or a door queue hammers) are `async` and
  reach the store through `Services.off_loop`, once per request where they can: inline with the
  embedded SQLite store (a thread hop costs more than the call), in a worker thread with a
  networked store, so a network wait never stalls the event loop.
- Organizer, account and card-payment routes are plain `def`: FastAPI runs them in its thread
  pool, where password hashing, Stripe's SDK and store round trips may block freely.
Routes read through `services.queries` and change things through the use-case services; none
touches the store or an adapter directly.
"""

from __future__ import annotations

from fastapi import APIRouter

from eventflow.api import (
    analytics,
    attendees,
    auth,
    buying,
    codes,
    door,
    events,
    flyers,
    health,
    my_tickets,
    orders,
    payments,
    transfers,
    waiting_room,
    waitlist,
    waitlist_admin,
    wallet_passes,
)
from eventflow.api import discovery as discovery_routes
from eventflow.api.deps import PREFIX, TAGS
from eventflow.api.errors import add_unknown_route, install_error_handlers

router = APIRouter(prefix=PREFIX, tags=TAGS)
# The resources' routes are gathered flat (each keeps its full path, tags and dependencies) rather
# than with `include_router`, which in this FastAPI nests routers lazily: the catch-all's 405 check
# and the authorization tests walk `router.routes` as plain APIRoutes.
# Buying first: the router tries routes in order, and a ticket drop's reservations are the hottest.
for resource in (buying, health, auth, events, codes, door, payments, orders, flyers, attendees):
    router.routes.extend(resource.router.routes)
router.routes.extend(discovery_routes.router.routes)  # public search and organizer profiles
router.routes.extend(analytics.router.routes)  # issue 18: sources, velocity, exports
router.routes.extend(waiting_room.router.routes)  # issue 13: sale settings, waiting room
router.routes.extend(waitlist.router.routes)  # issue 13: waitlists of sold-out tiers
router.routes.extend(waitlist_admin.router.routes)  # issue 13: the waitlist's CSV, offer length and pause
router.routes.extend(transfers.router.routes)  # issue 17: a ticket handed on, the organizer's rule
router.routes.extend(my_tickets.router.routes)  # issue 17: every ticket of one email (mailed link)
router.routes.extend(wallet_passes.router.routes)  # issue 17: Apple Wallet passes, the organizer's switch
add_unknown_route(router)  # the catch-all must stay the last route

__all__ = ["install_error_handlers", "router"]
