"""The store contract at its edges (tests/store/test_contract_edges.py) on InMemoryStore: the same
orders for ties, the same nothing for unknown ids, the same error classes and messages."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_edges

globals().update(contract_tests(test_contract_edges))
