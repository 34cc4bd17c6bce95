"""The suggestion dismissal contract (tests/store/test_contract_suggestion_dismissals.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_suggestion_dismissals

globals().update(contract_tests(test_contract_suggestion_dismissals))
