"""The daily export contract (tests/store/test_contract_daily_exports.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_daily_exports

globals().update(contract_tests(test_contract_daily_exports))
