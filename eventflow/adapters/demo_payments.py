"""The built-in demo payment provider: test mode, used when no Stripe key is configured.

The buyer is sent to `/pay/demo/<reservation id>`, a page clearly marked TEST MODE whose
"Pay" button reports success straight to the checkout service. No money moves.
"""

from __future__ import annotations

from eventflow.domain.models import Event, Reservation


class DemoPayments:
    name = "demo"
    test_mode = True

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")

    def start_payment(self, reservation: Reservation, event: Event) -> str:
        return f"{self._base_url}/pay/demo/{reservation.id}"  # base "" gives a same-origin path
