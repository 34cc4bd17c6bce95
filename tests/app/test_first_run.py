"""A fresh self-hosted server: no login everybody knows on an address others can reach, `./run`
says what it is doing while it installs, and /docs works without internet."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from eventflow.app.demo_data import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.errors import Unauthorized
from eventflow.services import Services
from tests.server import ROOT, running_app


def settings(data_dir: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, secret_key="first-run", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("tickets.example.com", False),
])
def test_demo_data_by_default_only_on_this_machine(host: str, local: bool) -> None:
    assert Settings(_env_file=None, host=host).seeds_demo_data is local  # type: ignore[call-arg]
    assert Settings(_env_file=None, host=host, demo_data=True).seeds_demo_data is True  # type: ignore[call-arg]
    assert Settings(_env_file=None, host=host, demo_data=False).seeds_demo_data is False  # type: ignore[call-arg]


def test_the_default_listens_on_this_machine_only() -> None:
    assert Settings(_env_file=None).listens_locally  # type: ignore[call-arg]


def seeded(data_dir: Path, caplog: pytest.LogCaptureFixture, **values: object) -> tuple[Services, str]:
    services = build_services(settings(data_dir, **values))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="first-run"):
        seed_demo(services, logging.getLogger("first-run"))
    return services, "\n".join(record.getMessage() for record in caplog.records)


def logs_in(services: Services, password: str) -> bool:
    try:
        services.accounts.authenticate(DEMO_EMAIL, password)
    except Unauthorized:
        return False
    return True


def test_a_local_server_gets_the_readme_login(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    services, log = seeded(tmp_path, caplog, host="127.0.0.1")
    assert logs_in(services, DEMO_PASSWORD)
    [event] = services.catalog.store.list_events(services.accounts.authenticate(DEMO_EMAIL, DEMO_PASSWORD).id)
    assert event.status == "published"
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in log


def test_a_public_server_makes_no_demo_data_unless_asked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    services, log = seeded(tmp_path, caplog, host="0.0.0.0")
    assert services.catalog.store.find_organizer_by_email(DEMO_EMAIL) is None
    assert DEMO_EMAIL not in log


def test_asked_for_on_a_public_server_the_password_is_generated_and_shown_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    services, log = seeded(tmp_path, caplog, host="0.0.0.0", demo_data=True)
    found = re.search(rf"{re.escape(DEMO_EMAIL)} / (\S+) \(generated, shown once\)", log)
    assert found is not None, log
    assert not logs_in(services, DEMO_PASSWORD)
    assert logs_in(services, found.group(1))
    services, log = seeded(tmp_path, caplog, host="0.0.0.0", demo_data=True)  # the next start
    assert found.group(1) not in log and DEMO_PASSWORD not in log
    assert logs_in(services, found.group(1))


def test_a_readme_password_left_from_a_local_start_is_replaced_when_serving_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    services, _ = seeded(tmp_path, caplog, host="127.0.0.1")
    assert logs_in(services, DEMO_PASSWORD)
    services, log = seeded(tmp_path, caplog, host="0.0.0.0")  # demo data not asked for: still checked
    found = re.search(rf"it is now {re.escape(DEMO_EMAIL)} / (\S+) \(shown once\)", log)
    assert found is not None, log
    assert not logs_in(services, DEMO_PASSWORD)
    assert logs_in(services, found.group(1))


def fake_python(folder: Path, calls: Path) -> Path:
    """A `python3` whose venv's python records each call; `import eventflow` fails until pip ran."""
    venv_python = (
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {calls}\n'
        'if [ "$1" = "-c" ]; then [ -f "$(dirname "$0")/installed" ]; exit; fi\n'
        'if [ "$1 $2" = "-m pip" ] && [ "$3 $4" = "install --disable-pip-version-check" ]; then\n'
        '  echo "Collecting nicegui"; touch "$(dirname "$0")/installed"; fi\n'
        'if [ "$1" = "main.py" ]; then echo "serving"; fi\n'
    )
    python = folder / "python3"
    python.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cat > "$3/bin/python" <<\'EOF\'\n'
        f"{venv_python}EOF\n"
        'chmod +x "$3/bin/python"; fi\n'
    )
    python.chmod(0o755)
    return python


def test_run_says_it_is_installing_and_shows_pips_progress(tmp_path: Path) -> None:
    checkout = tmp_path / "eventflow"
    checkout.mkdir()
    (checkout / "run").write_bytes((ROOT / "run").read_bytes())
    (checkout / "run").chmod(0o755)
    (checkout / "pyproject.toml").write_text("[project]\n")
    python = fake_python(tmp_path, tmp_path / "calls")
    first = subprocess.run([str(checkout / "run")], env={**os.environ, "PYTHON": str(python)},
                           capture_output=True, text=True, timeout=30)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    installing = next(i for i, line in enumerate(lines) if "about a minute" in line)
    assert lines.index("Collecting nicegui") > installing  # pip's own lines are not silenced
    assert lines[-1] == "serving"
    again = subprocess.run([str(checkout / "run")], env={**os.environ, "PYTHON": str(python)},
                           capture_output=True, text=True, timeout=30)
    assert again.stdout.splitlines() == ["serving"]  # installed: straight to the server


def test_api_docs_load_nothing_from_another_origin(app_url: str) -> None:
    for path in ("/docs", "/redoc"):
        page = httpx.get(f"{app_url}{path}", timeout=10)
        assert page.status_code == 200
        assert "https://" not in page.text, path  # no CDN, no web fonts
        assert "https:" not in page.headers["content-security-policy"]
        for asset in re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', page.text):
            served = httpx.get(f"{app_url}{asset}", timeout=10)
            assert served.status_code == 200 and len(served.content) > 1000, asset
    bundle = httpx.get(f"{app_url}/docs/assets/swagger-ui-bundle.js", timeout=10)
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]


@pytest.mark.browser
def test_swagger_ui_renders_the_api_offline(tmp_path: Path, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.conftest import DESKTOP, PHONE, screenshot

    with running_app(tmp_path) as url:
        for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            driver = browser(size)
            driver.get(f"{url}/docs")
            WebDriverWait(driver, 20).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")) > 5)
            assert "/api/v1/health" in driver.page_source
            screenshot(driver, f"api-docs-{name}")
