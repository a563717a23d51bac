"""The editors' app in a real headless Chromium (Debian's, driven by Playwright) against ``kb serve``
over a KB made by real crawls (tests/app_helpers.py): what an editor does on a morning, and what
neither a viewer, a forged form nor a hostile page can do.

A screenshot of the entry page is kept in test-artifacts/kb-serve.png (README's picture).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app_helpers import HOSTILE_QUESTION, add_user, crawled_kb, serve
from tests.test_report_browser import ARTIFACTS, chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EDITOR, EDITOR_PASSWORD = "alice", "alice-password-1"
VIEWER, VIEWER_PASSWORD = "bob", "bob-password-1"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    executable = chromium_path()  # skip before the crawls when there is no browser
    assert executable
    db = crawled_kb(tmp_path_factory.mktemp("app"))
    add_user(db, EDITOR, EDITOR_PASSWORD)
    add_user(db, VIEWER, VIEWER_PASSWORD, role="viewer")
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path())
        try:
            yield browser
        finally:
            browser.close()


def logged_in(browser: Any, url: str, name: str, password: str) -> Any:
    """A fresh browser context, logged in through the form; returns its page."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(url + "/")
    assert page.url.startswith(url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")
    assert page.inner_text("#whoami") == name
    return page


def test_anonymous_requests_are_sent_to_the_login_page(browser: Any, app_url: str) -> None:
    page = browser.new_page()
    page.goto(app_url + "/runs")
    assert page.url == app_url + "/login?next=%2Fruns"
    assert page.locator("input[type=password]").count() == 1
    response = page.request.get(app_url + "/api/entries")
    assert response.status == 401
    page.fill("input[name=name]", EDITOR)
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong name or password" in page.inner_text("main")
    page.close()


def test_editor_reads_the_change_verifies_it_and_the_flag_clears(browser: Any, app_url: str) -> None:
    page = logged_in(browser, app_url, EDITOR, EDITOR_PASSWORD)
    changed = page.locator("#group-changed")
    assert changed.locator(".item").count() >= 3
    item = changed.locator(".item", has_text="3000元 → 4000元")
    assert item.count() == 1
    assert "needs_verification" in item.inner_text()
    item.locator("a.q").click()
    page.wait_for_selector("#diff")

    assert "3000元 → 4000元" in page.inner_text("#numbers")
    deleted = page.eval_on_selector_all("#diff .diff del", "els => els.map(e => e.textContent)")
    inserted = page.eval_on_selector_all("#diff .diff ins", "els => els.map(e => e.textContent)")
    assert "3000元" in deleted and "4000元" in inserted  # whole numbers marked, not "3" → "4"
    assert page.locator("#open-flags .flag-needs_verification").count() == 1
    assert page.locator("#answer table th").count() >= 3  # the answer's table, rendered as a table
    assert page.locator("#sources td.status-ok").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kb-serve.png"), full_page=False)

    page.fill("#actions input[name=note]", "checked against the city 医保局 notice")
    page.click("#verify")
    page.wait_for_selector("#notice")
    assert "cleared needs_verification" in page.inner_text("#notice")
    assert page.locator("#open-flags .flag-needs_verification").count() == 0
    assert EDITOR in page.inner_text("#verifications")
    trail = page.inner_text("#trail")
    assert EDITOR in trail and "verify" in trail and "city 医保局 notice" in trail

    page.goto(app_url + "/")  # verified: off the queue's Changed group
    assert page.locator("#group-changed .item", has_text="3000元 → 4000元").count() == 0
    page.context.close()


def test_a_viewer_reads_but_cannot_verify(browser: Any, app_url: str) -> None:
    page = logged_in(browser, app_url, VIEWER, VIEWER_PASSWORD)
    page.locator("#group-changed .item a.q").first.click()
    page.wait_for_selector("#answer")
    assert page.locator("#verify").count() == 0  # no button
    entry_url = page.url.split("?")[0]
    token = page.get_attribute("input[name=csrf]", "value")  # a valid token: the role is what stops it
    response = page.request.post(entry_url + "/verify", form={"csrf": token, "note": "forged"})
    assert response.status == 403
    page.reload()
    assert VIEWER not in page.inner_text("#history")
    page.context.close()


def test_a_post_without_the_csrf_token_is_refused(browser: Any, app_url: str) -> None:
    page = logged_in(browser, app_url, EDITOR, EDITOR_PASSWORD)
    page.locator("#group-added .item a.q").first.click()
    page.wait_for_selector("#answer")
    entry_url = page.url.split("?")[0]
    for form in ({"note": "no token"}, {"csrf": "guessed-token-guessed-token-guessed", "note": "wrong token"}):
        response = page.request.post(entry_url + "/verify", form=form)
        assert response.status == 403, form
        assert "CSRF" in response.text()
    page.reload()
    assert page.locator("#verifications").count() == 0  # nothing was verified
    page.context.close()


def test_a_hostile_page_stays_inert(browser: Any, app_url: str) -> None:
    control = browser.new_page()  # the probe sees a payload that does run
    control.set_content('<img src="x" onerror="window.__pwned=1">')
    control.wait_for_function("window.__pwned === 1", timeout=5000)
    control.close()

    page = logged_in(browser, app_url, EDITOR, EDITOR_PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: errors.append(f"dialog {d.message}"))
    page.goto(app_url + "/search?q=" + "挂失补办")
    page.locator("#hits a.q", has_text="医保卡丢了怎么办").click()
    page.wait_for_selector("#answer")
    for el in page.locator("a, h1, #answer p").all()[:40]:
        el.hover(timeout=2000)
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator('a[href^="javascript" i]').count() == 0
    heading = page.inner_text("#question")
    assert "<script>window.__pwned=1</script>" in heading  # shown as text
    assert "\u202e" not in heading and "⟦U+202E⟧" in heading  # the bidi override is shown, not obeyed
    assert "onerror" in page.inner_text("#answer")
    for path in ("/", "/search?q=挂失", "/runs"):  # the same text in lists stays inert too
        page.goto(app_url + path)
        assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not errors, errors
    page.context.close()
    assert HOSTILE_QUESTION


def test_screenshot_was_kept() -> None:
    shot = Path(ARTIFACTS / "kb-serve.png")
    assert shot.exists() and shot.stat().st_size > 20_000
