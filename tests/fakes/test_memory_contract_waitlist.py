"""The waitlist store contract (tests/store/test_contract_waitlist.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_waitlist
from tests.store.test_contract_waitlist import service, waitlist  # noqa: F401  (its fixtures)

globals().update(contract_tests(test_contract_waitlist))
