"""Attack surface: passwords in output. The KB's and Redis's passwords travel in URLs (``--db``,
``--redis``, ``DATABASE_URL``); nothing the program prints or logs may carry them: error lines,
``kb db upgrade``'s success line, the crawl's log (Scrapy's "Overridden settings"), and through the
nightly's run.log the failure notification.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from sample_site.server import SampleSite
from sites.urls import mask_secrets, mask_url

SECRET = "s3cret"


def kb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_mask_hides_every_kind_of_password_and_nothing_else() -> None:
    assert mask_url("postgresql://user:s3cret@127.0.0.1:1/x") == "postgresql://user:***@127.0.0.1:1/x"
    assert mask_url("redis://:s3cret@127.0.0.1:1") == "redis://:***@127.0.0.1:1"
    assert mask_url("rediss://kb:s3c@ret@h:6380/0") == "rediss://kb:***@h:6380/0"  # an unescaped @ too
    assert mask_url("postgresql://u@h/db?password=s3cret&sslmode=require") == (
        "postgresql://u@h/db?password=***&sslmode=require"
    )
    line = "cannot reach Redis at redis://:s3cret@h:1/0 (and postgresql+psycopg://a:s3cret@h/x)"
    assert SECRET not in mask_secrets(line) and mask_secrets(line).count("***") == 2
    for plain in ("redis://127.0.0.1:6379/0", "sqlite:///kb.sqlite", "http://a.cn/ask/1.html?id=2@x"):
        assert mask_url(plain) == plain


def test_an_unreachable_database_with_a_password_is_one_line_without_it() -> None:
    """Attack: read the DB password off the error line of `kb db upgrade` / `kb crawl` (exit 2)."""
    db = f"postgresql://user:{SECRET}@127.0.0.1:1/x"
    for args in (("db", "upgrade", "--db", db), ("crawl", "--db", db, "--start-url", "http://127.0.0.1:1/")):
        done = kb(*args)
        out = done.stdout + done.stderr
        assert done.returncode == 2, out
        assert SECRET not in out, out
        assert "user:***@127.0.0.1:1" in out and len(out.strip().splitlines()) == 1, out
    done = kb("db", "upgrade", env={"DATABASE_URL": db})
    assert done.returncode == 2 and SECRET not in done.stdout + done.stderr


def test_an_unreachable_redis_with_a_password_is_one_line_without_it(db_url: str) -> None:
    """Attack: read the Redis password off `kb crawl --redis`'s error line."""
    done = kb("crawl", "--db", db_url, "--redis", f"redis://:{SECRET}@127.0.0.1:1", "--start-url", "http://127.0.0.1:1/")
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert SECRET not in out and "redis://:***@127.0.0.1:1" in out, out
    assert len(out.strip().splitlines()) == 1, out


def test_kb_db_upgrade_names_the_database_without_its_password(pg_url: str) -> None:
    """Attack: the password in `kb db upgrade`'s success line (the local server trusts any password)."""
    with_password = pg_url.replace("://postgres@", f"://postgres:{SECRET}@")
    assert SECRET in with_password
    done = kb("db", "upgrade", "--db", with_password)
    out = done.stdout + done.stderr
    assert SECRET not in out, out
    assert done.returncode == 0 and "postgres:***@" in out, out


@pytest.fixture
def redis_user(redis_url: str) -> Iterator[str]:
    """A Redis URL with a user and password: an ACL user made for the test (removed afterwards), limited
    as the README advises to the crawl's keys and without the dangerous commands."""
    import redis

    client = redis.Redis.from_url(redis_url)
    name = f"kbtest-{uuid.uuid4().hex[:8]}"
    keys = f"~{os.environ['KB_REDIS_PREFIX']}:*"
    try:
        client.execute_command("ACL", "SETUSER", name, "on", f">{SECRET}", keys, "&*", "+@all", "-@dangerous")
    except redis.ResponseError as exc:  # Redis < 6: no ACL users
        pytest.skip(f"this Redis has no ACL users: {exc}")
    try:
        yield redis_url.replace("redis://", f"redis://{name}:{SECRET}@")
    finally:
        client.execute_command("ACL", "DELUSER", name)


def test_a_shared_crawl_logs_nothing_of_its_passwords(tmp_path, pg_url: str, redis_user: str) -> None:  # type: ignore[no-untyped-def]
    """Attack: the crawl's own log at INFO (Scrapy's "Overridden settings" lists KB_DB_URL and REDIS_URL),
    for a real crawl with PostgreSQL and Redis passwords."""
    db = pg_url.replace("://postgres@", f"://postgres:{SECRET}@")
    with SampleSite(latency=0.0) as site:
        done = kb(
            "crawl", "--delay", "0", "--db", db, "--redis", redis_user, "--max-pages", "5",
            "--start-url", site.start_urls[0],
            env={"KB_LOG_LEVEL": "INFO"},
        )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "Overridden settings" in out and "shared crawl" in out, out[-3000:]  # the log we look into is there
    assert SECRET not in out, [line for line in out.splitlines() if SECRET in line][:5]
    assert "NOPERM" not in out  # the README's ACL (the crawl's keys, no dangerous commands) is enough


def test_a_log_line_that_quotes_a_url_is_masked_whatever_writes_it(caplog: pytest.LogCaptureFixture) -> None:
    """Attack: a password that reaches a log line through an error message (a Redis hiccup, a DB error)
    in a crawl: the add-on every crawl loads masks each record when it is made."""
    import logging

    from crawler.masking import MaskSecretsAddon

    MaskSecretsAddon().update_settings({})
    with caplog.at_level(logging.WARNING):
        logging.getLogger("crawler.shared").warning("Redis at %s failed: %s", f"redis://:{SECRET}@h:1/0", "reset")
    assert caplog.messages == ["Redis at redis://:***@h:1/0 failed: reset"]
