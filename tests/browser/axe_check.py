"""axe-core (Deque's accessibility engine, MPL-2.0) run inside a selenium page.

axe-core comes from its npm package, pinned in tests/browser/axe/package.json and package-lock.json;
`./test` installs it with `npm ci` (node_modules/ is not committed). The rules are WCAG 2.0-2.2 A and AA
plus Deque's best practices; a violation counts when its impact is serious or critical.

Left out: Quasar's page-loading bar (`.q-loading-bar`, a role=progressbar without a name that Quasar
adds while a page loads after a history navigation); it is the framework's, outside our markup."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci --prefix tests/browser/axe` (./test does)"
        if os.environ.get("EVENTFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def axe_run(driver: Any) -> list[dict[str, Any]]:  # selenium's WebDriver
    """axe's violations on the page as it is now (every impact)."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(axe_source())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run({exclude: [['.q-loading-bar']]}, {runOnly: {type: 'tag', values: arguments[0]},"
        " resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', help: String(e),"
        " nodes: []}]));", TAGS)
    return list(result)


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical ones, readable: rule, what it asks, the first few offending elements."""
    return [f"{v['id']} ({v['impact']}): {v['help']} -- "
            + " | ".join(node["html"][:160] for node in v["nodes"][:3])
            for v in violations if v.get("impact") in BLOCKING]
