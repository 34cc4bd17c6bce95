"""The layout's promises, checked: data flows one way, no import cycles, no sprawling modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "eventflow"
MAX_MODULE_LINES = 500

# What the domain may not import: it knows no web framework, no SDK, no store implementation.
FORBIDDEN_IN_DOMAIN = ("nicegui", "fastapi", "starlette", "boto3", "botocore", "stripe", "openai", "authlib",
                       "uvicorn", "eventflow.store", "eventflow.adapters", "eventflow.api", "eventflow.pages",
                       "eventflow.app", "eventflow.services", "eventflow.config")


def python_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_module_imports_on_its_own() -> None:
    """An import cycle shows only when a module of the cycle is imported first: try each one first."""
    modules = [module_name(path) for path in python_modules()]
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'eventflow' or m.startswith('eventflow.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {error!r}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("edge", ["pages", "api"])
def test_pages_and_api_never_reach_the_store(edge: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / edge).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".store." in line or line.rstrip().endswith(".store") or "import open_store" in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        offenders += [f"{path.relative_to(ROOT)} imports {name}" for name in imported_modules(path)
                      if name == "eventflow.store" or name.startswith("eventflow.store.")]
    assert offenders == []


def test_the_domain_imports_no_framework_sdk_or_adapter() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_modules() if path.is_relative_to(PACKAGE / "domain")
        for name in imported_modules(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN_IN_DOMAIN)
    ]
    assert offenders == []


def test_no_module_sprawls() -> None:
    long_modules = {
        str(path.relative_to(ROOT)): lines
        for path in python_modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


def test_work_leaves_the_event_loop_in_one_place() -> None:
    """Threads for blocking calls are started by adapters/threads.py only (off_loop / in_thread)."""
    hops = ("to_thread", "run_in_threadpool", "io_bound", "cpu_bound", "run_in_executor", "ThreadPoolExecutor")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_modules() if path != PACKAGE / "adapters" / "threads.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(hop in line for hop in hops)
    ]
    assert offenders == []
