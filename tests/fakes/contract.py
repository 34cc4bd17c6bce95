"""Re-running a store contract module on the in-memory store: its tests, collected in another module.

pytest collects whatever test functions and classes a module's namespace holds, and resolves their
fixtures from the collecting module and its conftest files; so a module that copies the contract's
tests into its own namespace runs them with the root `store` fixture (an `InMemoryStore`) instead
of tests/store/conftest.py's SQLite and DynamoDB ones. Tests added to the contract later run here
too, without a change in this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import FunctionType, ModuleType
from typing import Any

import pytest


def contract_tests(contract: ModuleType, skipped: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The contract module's tests by name; those in `skipped` (name -> why) marked to skip."""
    skipped = skipped or {}
    unknown = set(skipped) - set(vars(contract))
    if unknown:  # a renamed contract test must not leave a stale skip behind
        raise LookupError(f"no such tests in {contract.__name__}: {sorted(unknown)}")
    tests: dict[str, Any] = {}
    for name, value in vars(contract).items():
        function = name.startswith("test_") and callable(value)
        if function or (name.startswith("Test") and isinstance(value, type)):
            tests[name] = pytest.mark.skip(reason=skipped[name])(_copy(value)) if name in skipped else value
    return tests


def _copy(test: Any) -> Any:
    """A copy to mark, so the contract's own test (the same object) is not skipped on the real stores."""
    if isinstance(test, type):
        return type(test.__name__, (test,), {})
    copied = FunctionType(test.__code__, test.__globals__, test.__name__, test.__defaults__, test.__closure__)
    copied.__dict__.update(test.__dict__)
    copied.__kwdefaults__ = test.__kwdefaults__
    copied.__annotations__ = dict(test.__annotations__)
    return copied
