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


def module_level_imports(path: Path, own_name: str, known: set[str]) -> set[str]:
    """The project modules a module imports while it is being imported: statements at module level
    (inside `if`/`try` too), not those under `if TYPE_CHECKING:` or inside functions; each with the
    packages above it, whose `__init__` runs first, except the module's own packages."""
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    visit(block)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)

    visit(ast.parse(path.read_text(), str(path)).body)
    # `import a.b.c` runs a, a.b and a.b.c; but a module's own packages are always imported before it
    # (or are being imported), so an edge to them can never be what breaks an import order.
    own_packages = {own_name.rsplit(".", i)[0] for i in range(own_name.count(".") + 1)}
    return {prefix for parts in (name.split(".") for name in names)
            for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            if prefix in known} - own_packages


def modules_in_import_cycles(paths: dict[str, Path]) -> list[str]:
    """Modules on a cycle of module-level imports (strongly connected components, Tarjan's algorithm)."""
    graph = {name: module_level_imports(path, name, set(paths)) for name, path in paths.items()}
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cyclic: list[str] = []

    def connect(name: str) -> None:
        order[name] = lowest[name] = len(order)
        stack.append(name)
        for imported in graph[name]:
            if imported not in order:
                connect(imported)
                lowest[name] = min(lowest[name], lowest[imported])
            elif imported in stack:
                lowest[name] = min(lowest[name], order[imported])
        if lowest[name] == order[name]:
            component = stack[stack.index(name):]
            del stack[stack.index(name):]
            if len(component) > 1:
                cyclic.extend(component)

    for name in graph:
        if name not in order:
            connect(name)
    return sorted(cyclic)


def test_modules_on_an_import_cycle_import_on_their_own() -> None:
    """An import cycle breaks only when a module of the cycle is imported first: try each one first.
    Modules on no cycle of module-level imports (read from the source) cannot fail that way, so only
    the cyclic ones are imported, each first in a clean `sys.modules` (importing all 240-odd modules
    that way took 50 s of CI)."""
    modules = modules_in_import_cycles({module_name(path): path for path in python_modules()})
    if not modules:
        return
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


def test_the_cycle_finder_reads_module_level_imports_only(tmp_path: Path) -> None:
    sources = {
        "shop": "",  # a package: its __init__ imports its module, which imports the package back
        "shop.cart": "from shop import prices\n",
        "shop.prices": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shop.cart\n",
        "orders": "try:\n    import payments\nexcept ImportError:\n    pass\n",
        "payments": "import orders\n",  # orders <-> payments: a real cycle
        "mail": "def later() -> None:\n    import orders\n",
    }
    paths = {}
    for name, source in sources.items():
        paths[name] = tmp_path / f"{name}.py"
        paths[name].write_text(source)
    known = set(paths)
    assert module_level_imports(paths["shop.prices"], "shop.prices", known) == set()
    assert module_level_imports(paths["shop.cart"], "shop.cart", known) == {"shop.prices"}
    assert modules_in_import_cycles(paths) == ["orders", "payments"]


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
