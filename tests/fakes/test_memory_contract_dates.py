"""The dates contract (tests/store/test_contract_dates.py) on InMemoryStore: accepted instants come back
equal and in time order from the fake as from the real stores."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_dates

globals().update(contract_tests(test_contract_dates))
