"""The languages store contract (tests/store/test_contract_languages.py) on InMemoryStore."""

from __future__ import annotations

from tests.fakes.contract import contract_tests
from tests.store import test_contract_languages

globals().update(contract_tests(test_contract_languages, {
    "test_a_sqlite_file_from_before_languages_opens_and_reads_english": "a SQLite file's migration"}))
