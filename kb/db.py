"""Where the KB lives: an SQLAlchemy URL (SQLite by default, PostgreSQL via ``DATABASE_URL``).

The schema is owned by Alembic (``kb/migrations``); opening a KB brings it to the newest
revision. Only commands that write may create one (``create=True``: a crawl, ``kb db upgrade``): the
others say "no KB at …", so a typo in ``--db`` or ``DATABASE_URL`` never leaves a fresh empty KB.

SQLite has one writer at a time. A transaction that reads first and writes later cannot wait for the
writer before it (its snapshot is stale: "database is locked" at once, busy_timeout or not), so every
transaction on a SQLite KB starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front and waits
up to ``busy_timeout`` for it); sessions that only read say ``readonly=True`` and start a plain
``BEGIN``, so a long export never holds up a crawl.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from sites.urls import mask_secrets, mask_url

DEFAULT_URL = "sqlite:///kb.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The KB cannot be opened: a bad URL, a server that does not answer, a foreign file."""


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``$DATABASE_URL``, then ``./kb.sqlite``; anything but a SQLite or PostgreSQL
    URL is refused (a bare word would otherwise become a new SQLite file named like it)."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("sqlite://", "postgresql://", "postgresql+")):
        raise DatabaseError(
            f"{url!r} is not a KB URL (sqlite:///PATH or postgresql://USER@HOST/NAME)"
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def busy_timeout_ms() -> int:
    """How long a SQLite write waits for the one writer before it (``KB_SQLITE_BUSY_MS``, default 30 s)."""
    try:
        return max(0, int(os.environ.get("KB_SQLITE_BUSY_MS", "30000")))
    except ValueError:
        return 30000


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None  # transactions begin in _sqlite_begin, not in the driver
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:  # a read-only KB keeps its mode; reading it still works
        pass
    cur.execute(
        "PRAGMA synchronous=NORMAL"
    )  # durable at checkpoints under WAL; one commit per page stays cheap
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """Every transaction takes the write lock up front, but those of read-only sessions."""
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READONLY) else "BEGIN IMMEDIATE")


READONLY = "kb_readonly"  # execution option of a read-only session's connections
_ENGINES: dict[str, Engine] = {}


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def get_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """One engine per URL, at the newest schema revision; ``create=False``: "no KB at …" rather than a
    new one (what every command that only reads asks for)."""
    url = resolve_url(url)
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _open(url, create)
    return engine


def _open(url: str, create: bool) -> Engine:
    path = sqlite_path(url)
    try:
        if url.startswith("sqlite"):
            if path is not None:
                if not path.parent.exists():
                    raise DatabaseError(f"cannot open {mask_url(url)}: folder {path.parent} does not exist")
                if not create and not path.is_file():
                    raise DatabaseError(f"no KB at {mask_url(url)} (`kb crawl` or `kb db upgrade` creates one)")
            engine = create_engine(url, connect_args={"timeout": busy_timeout_ms() / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        upgrade(engine, url, create=create)
    except DatabaseError:
        raise
    except Exception as exc:  # any driver error: one clear line for the CLI
        raise DatabaseError(mask_secrets(f"cannot open {url}: {str(exc).splitlines()[0]}")) from exc
    return engine


def upgrade(engine: Engine, url: str, *, create: bool = True) -> None:
    """Bring the schema to head (no-op when it is there already); a database without the schema is no
    KB unless ``create``."""
    cfg = alembic_config(url)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect().execution_options(**{READONLY: True}) as conn, conn.begin():
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is None and not create:
        raise DatabaseError(f"no KB at {mask_url(url)} (`kb crawl` or `kb db upgrade` creates one)")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # workers starting together on an empty KB: one migrates
            conn.execute(text("SELECT pg_advisory_xact_lock(7160551911)"))
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def check_writable(url: str) -> None:
    """A writing command's first step (``kb crawl``): a KB it may not write (a read-only file, a
    read-only role) is one line here, not a crawl of tracebacks later. Writes nothing."""
    try:
        with get_engine(url).connect() as conn, conn.begin() as tx:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    except DBAPIError as exc:
        raise DatabaseError(mask_secrets(f"cannot write the KB at {url}: {str(exc.orig).splitlines()[0]}")) from exc


@contextmanager
def session(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error; ``readonly`` sessions never take
    SQLite's write lock (see the module's docstring)."""
    engine = get_engine(url)
    bind = engine.execution_options(**{READONLY: True}) if readonly else engine
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
