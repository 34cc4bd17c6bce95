"""The access codes contract (tests/store/test_access_codes_contract.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_access_codes_contract

globals().update(contract_tests(test_access_codes_contract))
