"""Where the KB lives: an SQLAlchemy URL (SQLite by default, PostgreSQL via ``DATABASE_URL``).

The schema is owned by Alembic (``kb/migrations``); opening a KB brings it to the newest
revision, so a first run creates the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from sites.urls import mask_secrets, mask_url

DEFAULT_URL = "sqlite:///kb.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The KB cannot be opened: a bad URL, a server that does not answer, a foreign file."""


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``$DATABASE_URL``, then ``./kb.sqlite``; a bare path means SQLite."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(
        "PRAGMA synchronous=NORMAL"
    )  # durable at checkpoints under WAL; one commit per page stays cheap
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@cache
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL, at the newest schema revision."""
    url = resolve_url(url)
    try:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[-1]
            if path and path != ":memory:":
                parent = Path(path).parent
                if not parent.exists():
                    raise DatabaseError(f"cannot open {mask_url(url)}: folder {parent} does not exist")
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        upgrade(engine, url)
    except DatabaseError:
        raise
    except Exception as exc:  # any driver error: one clear line for the CLI
        raise DatabaseError(mask_secrets(f"cannot open {url}: {str(exc).splitlines()[0]}")) from exc
    return engine


def upgrade(engine: Engine, url: str) -> None:
    """Bring the schema to head (no-op when it is there already)."""
    cfg = alembic_config(url)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # workers starting together on an empty KB: one migrates
            conn.execute(text("SELECT pg_advisory_xact_lock(7160551911)"))
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
