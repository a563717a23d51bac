"""Issue 12 (1): the raw entry points (``scrapy crawl``, and scrapyd, which runs it) refuse a start or
sitemap URL of another scheme as ``kb crawl`` does: one line, exit code 1, nothing read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.scope_sites import kb_text, secret_file, urls_seen

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MARKER = "SECRET3307"


def scrapy_crawl(spider: str, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"KB_DB_URL={db}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize(
    ("spider", "argument"),
    [("discover", "start_url"), ("refresh", "start_url"), ("sitemap", "sitemap_url")],
)
def test_raw_scrapy_crawl_with_a_file_url_is_refused_in_one_line(
    spider: str, argument: str, tmp_path: Path
) -> None:
    secret = secret_file(tmp_path, MARKER)
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    result = scrapy_crawl(spider, db, "-a", f"{argument}=file://{secret}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    refused = [line for line in result.stderr.splitlines() if "refused:" in line]
    assert len(refused) == 1 and f"file://{secret}" in refused[0], result.stderr
    if Path(db.removeprefix("sqlite:///")).exists():
        assert MARKER not in kb_text(db) and urls_seen(db) == []


def test_raw_scrapy_crawl_discover_of_etc_passwd_is_refused(tmp_path: Path) -> None:
    result = scrapy_crawl(
        "discover", f"sqlite:///{tmp_path / 'kb.sqlite'}", "-a", "start_url=file:///etc/passwd"
    )
    assert result.returncode == 1
    assert "refused: a start URL must be an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr
