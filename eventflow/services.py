"""The long-lived services of one running app, built once at start-up and handed to pages/API."""

from __future__ import annotations

from dataclasses import dataclass

from eventflow.config import Settings
from eventflow.domain.checkout import Checkout
from eventflow.domain.services import Ticketing
from eventflow.live import AvailabilityHub
from eventflow.tokens import TokenIssuer


@dataclass
class Services:
    settings: Settings
    ticketing: Ticketing
    tokens: TokenIssuer
    hub: AvailabilityHub
    checkout: Checkout
