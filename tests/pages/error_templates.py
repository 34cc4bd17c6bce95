"""Every English template a domain error can show (class docstrings, literals raised, `N_` marks in the
domain and the stores), for the completeness test and `python -m tests.pages.error_templates` (lists the
templates a catalogue lacks, as .po entries to append)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from functools import cache
from pathlib import Path

import eventflow.domain
import eventflow.store
from eventflow.domain.errors import DomainError
from eventflow.i18n import LOCALE_DIR

ROOT = Path(eventflow.domain.__file__).parents[1]
SCANNED = (ROOT / "domain", ROOT / "store")
_NOT_WORDS_FIRST = {"IdentityToConfirm", "TooManyAttempts"}  # their first argument is not the words


@cache
def error_classes() -> list[type[DomainError]]:
    for package in (eventflow.domain, eventflow.store):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith(("eventflow.domain", "eventflow.store"))]


def _literals(node: ast.expr) -> list[str] | None:
    """The template strings an argument can be; None when it is not a literal (an f-string, a variable)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_" and node.args:
        return _literals(node.args[0])
    return None


def _built(node: ast.expr) -> bool:
    """Words put together in place (an f-string, `%`, `+`, `.format`): no catalogue can hold them."""
    if isinstance(node, (ast.JoinedStr, ast.BinOp)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


@cache
def scan_sources() -> tuple[frozenset[str], tuple[str, ...]]:
    """(templates raised or marked, the raise calls whose words are not a literal: f-strings and the like)."""
    names = {cls.__name__ for cls in error_classes()}
    templates: set[str] = set()
    unmarked: list[str] = []
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == "N_" and node.args:
                    templates.update(_literals(node.args[0]) or [])
                elif name in names and node.args:
                    words = _literals(node.args[0])
                    if words is not None:
                        templates.update(words)
                    elif name not in _NOT_WORDS_FIRST and _built(node.args[0]):
                        unmarked.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {ast.unparse(node)[:100]}")
    return frozenset(templates), tuple(unmarked)


def all_templates() -> set[str]:
    raised, _ = scan_sources()
    documented = {(cls.__doc__ or cls.code).strip() for cls in error_classes() if cls is not DomainError}
    return {t for t in raised | documented if t}


if __name__ == "__main__":  # the templates a language lacks, as entries to append to its errors.po
    from babel.messages.pofile import read_po
    language = sys.argv[1] if len(sys.argv) > 1 else "de"
    po = LOCALE_DIR / language / "LC_MESSAGES" / "errors.po"
    have = {m.id for m in read_po(po.open("rb")) if m.string} if po.exists() else set()
    for template in sorted(all_templates() - have):
        escaped = template.replace("\\", "\\\\").replace('"', '\\"')
        print(f'msgid "{escaped}"\nmsgstr ""\n')
