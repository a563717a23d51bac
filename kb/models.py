"""The KB's tables. DESIGN.md's words: page, entry, version, run, flag, verification.

Every time is naive UTC (see ``kb.clock``). Versions and bodies are immutable once written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    SmallInteger,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlmodel import Field, SQLModel


def Timestamp(*, nullable: bool = False) -> Any:  # noqa: N802 (reads like a type in the models)
    """A naive-UTC timestamp column (``kb.clock``): plain DateTime on every database.

    Explicit because newer SQLModel maps ``datetime`` to a zone-aware type that rejects naive values.
    """
    if nullable:
        return Field(default=None, sa_column=Column(DateTime(), nullable=True))
    return Field(sa_column=Column(DateTime(), nullable=False))


class RunCounts(SQLModel):
    """A run's counters (``kb.runs.RUN_COUNTS``) and its errors by kind: the run's and each site's."""

    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    gone: int = 0
    failed: int = 0
    robots_refused: int = 0
    duplicates: int = 0
    conflicts: int = 0
    off_topic: int = 0
    dead_links: int = 0  # 404/410 on URLs that never answered 200 (page rows with status "dead")
    low_confidence: int = 0  # answers the extractor is unsure of (``extract.LOW_CONFIDENCE``)
    no_answer: int = 0  # on-topic questions (or pages that fed an entry) that yielded no answer
    # JSON {kind: count}; sa_type, not sa_column: a Column object could belong to one table only
    errors: str = Field(default="{}", sa_type=Text, sa_column_kwargs={"nullable": False, "default": "{}"})


class Run(RunCounts, table=True):
    """One crawl (or one ``kb reextract`` / ``kb flags --refresh``), with its counts."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "crawl"  # crawl | reextract | refresh
    spider: str | None = None
    site: str | None = None
    started_at: datetime = Timestamp()
    finished_at: datetime | None = Timestamp(nullable=True)
    status: str = "running"  # running | ok | failed | interrupted
    args: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON


class RunSite(RunCounts, table=True):
    """One site's share of a run: a crawl may cover many sites, and one site may fail while the rest finish.

    Its counters are bumped in the same statement as the run's (``kb.runs.count``).
    """

    __tablename__ = "run_site"

    run_id: int = Field(foreign_key="run.id", primary_key=True)
    site: str = Field(primary_key=True, max_length=200)
    status: str = "running"  # running | ok | failed
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why it failed
    # The template-change alarm (``kb.alarm``): why this site's changes look like a redesign or a broken
    # extraction, and what became of the versions it held back: suspect | accepted | rejected.
    alarm: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    held: str | None = None


class Body(SQLModel, table=True):
    """A raw response body, stored once per distinct body (sha256), zlib-compressed."""

    hash: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    content_type: str | None = None
    first_seen: datetime = Timestamp()


class Entry(SQLModel, table=True):
    """One question-and-answer; its content lives in its versions."""

    id: str = Field(primary_key=True, max_length=32)
    question: str = Field(sa_column=Column(Text, nullable=False))
    site: str = "generic"
    canonical_url: str = Field(sa_column=Column(Text, nullable=False))
    status: str = "active"  # active | gone
    is_medical_insurance: bool = True
    version: int = 0  # current version number
    content_hash: str = ""
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    published: str | None = None  # YYYY-MM-DD, the page's own date
    updated: str | None = None  # YYYY-MM-DD
    first_seen: datetime = Timestamp()
    updated_at: datetime = Timestamp()  # when the current version was made
    last_seen: datetime = Timestamp()
    gone_at: datetime | None = Timestamp(nullable=True)


class EntryBand(SQLModel, table=True):
    """One LSH band of an entry's current MinHash (``kb.dedupe``): the near-duplicate index, in the KB.

    The primary key (band, hash, entry_id) is the lookup index itself (a clustered table on SQLite).
    Written with the entry's version, in its transaction; the old bands are removed by their key,
    read from the entry's previous ``minhash``, so no index on ``entry_id`` is needed (and no foreign
    key, whose check on deleting an entry would then scan this table: entries are never deleted).
    """

    __tablename__ = "entry_band"
    __table_args__ = {"sqlite_with_rowid": False}

    band: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    hash: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entry_id: str = Field(primary_key=True, max_length=32)


class Page(SQLModel, table=True):
    """One fetched URL, canonicalized; feeds at most one entry (then it is one of its sources)."""

    # ix_page_due: the refresh walks the pages due in order, a batch at a time (kb.revisit.pages_in_order)
    __table_args__ = (Index("ix_page_entry", "entry_id"), Index("ix_page_due", "next_due", "url"))

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    site: str = "generic"
    entry_id: str | None = Field(default=None, foreign_key="entry.id")
    priority: int = 0  # source priority from the site profile (higher wins)
    status: str = "ok"  # ok | gone | off_topic | not_qa | failed | dead (404/410, never a 200)
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    content_hash: str | None = None  # normalized content last extracted from this page
    first_seen: datetime = Timestamp()
    last_seen: datetime | None = Timestamp(
        nullable=True
    )  # last time the site vouched for the page (200 or 304)
    last_fetched: datetime | None = Timestamp(nullable=True)
    last_changed: datetime | None = Timestamp(nullable=True)
    next_due: datetime | None = Timestamp(nullable=True)
    change_interval: float | None = None  # seconds, learned from how often the page changed
    gone_streak: int = 0
    fail_streak: int = 0
    last_error: str | None = None


class Version(SQLModel, table=True):
    """An immutable snapshot of an entry's content."""

    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="entry.id", index=True)
    number: int
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    answer_blocks: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON
    content_hash: str = Field(index=True)
    has_verification_disclaimer: bool = False
    disclaimer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    has_medical_tip: bool = False
    is_medical_insurance: bool = True
    published: str | None = None
    updated: str | None = None
    source_url: str = Field(sa_column=Column(Text, nullable=False))
    body_hash: str | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id")
    extractor_version: str = ""
    created_at: datetime = Timestamp()
    method: str = ""  # how the answer was found: main | appstate | fallback | none ("" before it was kept)
    confidence: float | None = Field(default=None, index=True)  # 0..1, the extractor's (None: before it was kept)
    # suspect: held back by its run's template-change alarm (not current until an editor accepts the
    # run); rejected: an editor dropped it. The one column of a version that may change (``kb.suspect``).
    held: str | None = Field(default=None, index=True)


class Flag(SQLModel, table=True):
    """A reason an editor should look; open while ``cleared_at`` is null."""

    __table_args__ = (
        Index("ix_flag_open", "entry_id", "name", "cleared_at"),
        Index("ix_flag_queue", "name", "cleared_at", "id"),  # the review queue, newest first per flag
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="entry.id")
    name: str  # needs_verification | stale | past_policy_year | changed_since_verified | gone
    reason: str = Field(sa_column=Column(Text, nullable=False))
    raised_at: datetime = Timestamp()
    cleared_at: datetime | None = Timestamp(nullable=True)
    raised_run_id: int | None = None
    cleared_run_id: int | None = None


class Verification(SQLModel, table=True):
    """An editor's mark on one version."""

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="entry.id", index=True)
    version: int
    by: str
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = Timestamp()


class Event(SQLModel, table=True):
    """What happened to an entry in a run: the diff report reads these.

    kinds: added, changed, gone, returned, merged (a page became another source of an
    entry), conflict (same question, materially different answer), flag_raised, flag_cleared.
    """

    __table_args__ = (
        Index("ix_event_run", "run_id", "kind"),
        Index("ix_event_queue", "kind", "id"),  # the review queue, newest first per kind
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    entry_id: str = Field(foreign_key="entry.id", index=True)
    kind: str
    at: datetime = Timestamp()
    version_from: int | None = None
    version_to: int | None = None
    url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON


class FetchError(SQLModel, table=True):
    """A fault met while fetching a URL, recorded against it."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    kind: str  # http_5xx, http_429, timeout, connection, too_large, redirect, robots, bad_body, ...
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Timestamp()


MUTABLE = {Version: {"held"}}  # an editor's decision on a suspect version is not content


def _immutable(_mapper: Any, _connection: Any, target: Any) -> None:
    state = inspect(target)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    if changed - MUTABLE.get(type(target), set()):
        raise ValueError(f"{type(target).__name__} rows are immutable: make a new one")


# History is never rewritten: a changed answer is a new Version, a new body a new Body.
event.listen(Version, "before_update", _immutable)
event.listen(Body, "before_update", _immutable)


class Account(SQLModel, table=True):
    """A person who uses the editors' app (``kb user add``): an editor acts, a viewer reads."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    role: str = "viewer"  # editor | viewer
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    disabled: bool = False
    created_at: datetime = Timestamp()
    last_login: datetime | None = Timestamp(nullable=True)


class Action(SQLModel, table=True):
    """What an editor did to an entry, kept for good (who, when, what, note): the app's audit trail.

    kinds: verify, unverify, extraction_wrong (editor feedback for extractor work), resolve_conflict.
    """

    __table_args__ = (Index("ix_action_entry", "entry_id", "id"), Index("ix_action_kind", "kind", "id"))

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="entry.id")
    version: int | None = None
    kind: str
    by: str
    at: datetime = Timestamp()
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON


class ExtractionNote(SQLModel, table=True):
    """A page a run fetched whose extraction an editor should see: a low-confidence answer, or an
    on-topic question with no answer. Kept per run so no such page is dropped silently (``kb report``)."""

    __tablename__ = "extraction_note"
    __table_args__ = (Index("ix_extraction_note_run", "run_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    kind: str  # low_confidence | no_answer
    url: str = Field(sa_column=Column(Text, nullable=False))
    site: str = "generic"
    entry_id: str | None = None
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    method: str = ""
    confidence: float = 0.0
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why (no_answer)
    at: datetime = Timestamp()
