"""The store contract (tests/store/test_contract.py) on InMemoryStore: the fake the domain tests use
keeps the inventory, idempotency and listing rules of the real stores."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract

globals().update(contract_tests(test_contract))
