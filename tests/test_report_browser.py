"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright).

The report renders, fits a phone's width, and no script carried by page content runs: the
fixture KB holds a page whose question, answer, URLs and flag reasons are script payloads that
would set ``window.__pwned`` or the document title. A control page proves the probe would see it.
A screenshot is kept in test-artifacts/report.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kb.db import session
from kb.report import build_report, render_html
from tests.test_report_fixtures import build_fixture_kb

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path() -> str:
    """Debian's chromium, or skip (fail under CI=true: .ci/run installs it)."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path, why = None, "the playwright package is not installed"
    else:
        why = "Debian chromium is not installed (apt-get install chromium)"
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (CI=true: the browser test must run)")
        pytest.skip(why)
    return path


def test_report_renders_inert_in_chromium(db_url: str, tmp_path: Path) -> None:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    build_fixture_kb(db_url)
    with session(db_url) as s:
        html = render_html(build_report(s))
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable)
        try:
            # Control: the probe does see a payload that runs.
            control = browser.new_page()
            control.set_content('<title>t</title><img src="x" onerror="window.__pwned=1">')
            control.wait_for_function("window.__pwned === 1", timeout=5000)
            control.close()

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            errors: list[str] = []
            phone.on("pageerror", lambda exc: errors.append(str(exc)))
            phone.on("dialog", lambda d: errors.append(f"dialog {d.message}"))
            phone.goto(page_file.as_uri())
            phone.wait_for_load_state("load")
            # Give any (wrongly) live handler a chance to fire: hover and click every link-like thing.
            for el in phone.locator("a, .url, h3").all()[:40]:
                el.hover(timeout=2000)
            phone.wait_for_timeout(200)
            assert phone.evaluate("typeof window.__pwned") == "undefined"
            assert phone.title() == "yibao-kb report: run 1 → 2"
            assert phone.evaluate("document.scripts.length") == 0
            assert phone.locator('a[href^="javascript" i]').count() == 0
            hrefs = phone.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
            assert "3000元 → 4000元" in phone.inner_text("#changed")
            assert "<script>window.__pwned=1" in phone.inner_text("#added")  # shown as text
            assert phone.locator("#health svg rect").count() >= 3
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"report overflows a phone screen: {width}px"
            phone.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
