"""The project says what it is licensed under, in the places tools and people look."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_license_is_agpl_3_or_later_with_its_full_text() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    for heading in ("0. Definitions.", "13. Remote Network Interaction;", "17. Interpretation of Sections 15 and 16.",
                    "END OF TERMS AND CONDITIONS"):
        assert heading in text, heading


def test_contributing_names_the_commands_and_the_map() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    for needed in ("./run", "./test", 'not slow and not browser', "docs/architecture.md"):
        assert needed in text, needed
    assert (ROOT / "docs" / "architecture.md").is_file()
    assert "CONTRIBUTING.md" in (ROOT / "README.md").read_text()
