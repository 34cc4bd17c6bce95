"""The door-pace aggregates' contract (tests/store/test_contract_door_pace.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_door_pace

globals().update(contract_tests(test_contract_door_pace))
