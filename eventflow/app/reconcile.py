"""`python -m eventflow.app.reconcile`: one reconciliation pass over card payments, by hand.

Uses the same configuration as the app (EVENTFLOW_* variables, .env); safe while app instances
run their own passes (a shared lease; every step is idempotent).
"""

from __future__ import annotations

import logging
import sys

from eventflow.app.wiring import build_services
from eventflow.config import Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = build_services(Settings())
    try:
        if services.reconciler is None:
            print("Stripe is not configured (EVENTFLOW_STRIPE_SECRET_KEY and EVENTFLOW_STRIPE_WEBHOOK_SECRET)")
            return 2
        report = services.reconciler.run_once()
        print(f"reconciliation: {report}")
        return 1 if report.errors else 0
    finally:
        services.ticketing.store.close()


if __name__ == "__main__":
    sys.exit(main())
