"""Shared fixtures: a real SQLite file per test, and real PostgreSQL / Redis where a test asks.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) tests skip with a reason when the
server is absent, except under ``CI=true``, where an absent server is a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sample_site import use_profiles

use_profiles()  # the tests crawl the sample sites: their profiles (127.0.0.1 / 127.0.0.2) apply

PG_ADMIN = os.environ.get("KB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KB_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip when a service is missing, except under CI, where it must be there."""
    if _reachable(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: tests that need it must run)")
    pytest.skip(message)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite KB file."""
    return f"sqlite:///{tmp_path / 'kb.sqlite'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"kbtest_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from kb.db import get_engine, resolve_url

        try:
            get_engine(resolve_url(url)).dispose()
        except Exception:
            pass
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Redis with a private key prefix per test (keys removed afterwards)."""
    need_service("Redis", "127.0.0.1", 6379)
    import redis

    prefix = f"kbtest:{uuid.uuid4().hex[:8]}"
    os.environ["KB_REDIS_PREFIX"] = prefix
    try:
        yield REDIS_URL
    finally:
        os.environ.pop("KB_REDIS_PREFIX", None)
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
