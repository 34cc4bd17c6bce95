"""The bulk hold-sources contract (tests/store/test_contract_hold_sources.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_hold_sources

globals().update(contract_tests(test_contract_hold_sources))
