"""A site built by JavaScript, crawled for real: plain requests find nothing, Debian's headless Chromium
(scrapy-playwright) finds every Q&A and the same extraction reads the answers.

The site (``sample_site.scripted``) serves empty shells; the links and answers come from its script's
fetches. Both crawls go through `kb crawl` into a real SQLite KB.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from kb.bodies import load_body
from kb.db import session
from kb.models import Entry, Page, Run, Version
from sample_site.scripted import ScriptedSite
from tests.test_report_browser import chromium_path

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def kb_crawl(db: str, profiles: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_PROFILE_DIRS": str(profiles)}
    return subprocess.run(
        [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )


def test_plain_crawl_finds_nothing_and_the_browser_profile_finds_every_answer(tmp_path: Path) -> None:
    chromium_path()  # skip with the reason when Debian's chromium is absent (fail under CI=true)
    plain_db, browser_db = (f"sqlite:///{tmp_path / n}.sqlite" for n in ("plain", "browser"))
    plain_profiles, browser_profiles = tmp_path / "plain", tmp_path / "browser"
    with ScriptedSite(pages=5) as site:
        for folder, render in ((plain_profiles, "plain"), (browser_profiles, "browser")):
            folder.mkdir()
            (folder / "js-portal.toml").write_text(site.profile("js-portal", render=render), encoding="utf-8")
        plain = kb_crawl(plain_db, plain_profiles, "--site", "js-portal")
        plain_requests = list(site.requests)
        site.requests.clear()
        rendered = kb_crawl(browser_db, browser_profiles, "--site", "js-portal")
        browser_requests = list(site.requests)

    assert plain.returncode == 0, plain.stderr
    with session(plain_db) as s:
        assert s.exec(select(Entry)).all() == []
    assert set(plain_requests) == {"/robots.txt", "/"}  # no link to follow in the shell

    assert rendered.returncode == 0, rendered.stderr
    with session(browser_db) as s:
        entries = s.exec(select(Entry)).all()
        versions = {v.question: v for v in s.exec(select(Version)).all()}
        pages = s.exec(select(Page)).all()
        (run,) = s.exec(select(Run)).all()
        qa1 = next(p for p in pages if p.url.endswith("/qa/1.html"))
        stored = load_body(s, qa1.body_hash).decode("utf-8")
    assert len(entries) == len(site.qa) == 5 and run.new == 5 and run.failed == 0
    for qa in site.qa:  # every question, and its answer as the script wrote it, paragraph by paragraph
        version = versions[qa["question"]]
        assert qa["paragraphs"][0] in version.answer and qa["paragraphs"][-1] in version.answer
    assert site.qa[0]["question"] in stored  # the KB keeps the rendered page: reextract reads the same
    # the browser fetched the site's script and data, but no image and nothing robots.txt refuses
    assert "/app.js" in browser_requests and "/api/qa/3.json" in browser_requests
    assert "/logo.png" not in browser_requests
    assert not [p for p in browser_requests if p.startswith("/private/")]
    # robots.txt and the pages still went through Scrapy's slot: each page exactly once
    assert sorted(p for p in browser_requests if p.startswith("/qa/")) == [f"/qa/{i}.html" for i in range(1, 6)]


def test_a_browser_site_without_chromium_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "js.toml").write_text(
        'name = "js"\nhosts = ["127.0.0.9"]\nstart_urls = ["http://127.0.0.9:9/"]\nrender = "browser"\n'
        'render_patterns = ["^/qa/", "(unclosed"]\n',
        encoding="utf-8",
    )
    broken = kb_crawl(f"sqlite:///{tmp_path / 'kb.sqlite'}", tmp_path, "--site", "js")
    assert broken.returncode == 2 and "render_patterns: '(unclosed' is not a valid regular expression" in broken.stderr
    (tmp_path / "js.toml").write_text(
        'name = "js"\nhosts = ["127.0.0.9"]\nstart_urls = ["http://127.0.0.9:9/"]\nrender = "browser"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "KB_PROFILE_DIRS": str(tmp_path), "KB_CHROMIUM": str(tmp_path / "no-chromium")}
    done = subprocess.run(
        [sys.executable, "-m", "kb", "crawl", "--site", "js", "--db", f"sqlite:///{tmp_path / 'kb.sqlite'}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"kb: error: a site profile renders pages in a browser and {tmp_path / 'no-chromium'} is not there "
        "(apt-get install chromium fonts-wqy-zenhei, or set KB_CHROMIUM)"
    ]
