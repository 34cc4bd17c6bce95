"""The transfer's My-tickets entry contract (tests/store/test_contract_transfer_index.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_transfer_index

globals().update(contract_tests(test_contract_transfer_index))
