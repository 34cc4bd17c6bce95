"""The home page listing's contract (tests/store/test_contract_paging.py) on InMemoryStore: keyset
paging by (starts_at, id) answers as the real stores do."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_paging

globals().update(contract_tests(test_contract_paging))
