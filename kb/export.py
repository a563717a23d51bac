"""``kb export``: the KB as JSON for downstream systems (a chatbot, a help site, a search index).

The contract is ``kb/export.schema.json``. Three promises:

- **Stable**: entries ordered by id, keys in a fixed order, and ``generated_at`` taken from the KB
  itself (its last run's finish time or last verification; ``KB_NOW`` when pinned), never from the
  wall clock, so two exports of an unchanged KB are byte-identical and a diff of two exports shows
  only what changed.
- **Streaming**: entries are read in keyset-paged chunks (``id > last ORDER BY id LIMIT n``) with their
  sources, flags, verifications and versions fetched per chunk, and written one by one: memory stays
  flat however big the KB is (see BENCHMARKS.md, "Export memory").
- **Atomic**: a file is written to a temporary sibling and renamed over the target, so a reader never
  sees half an export and a failed export leaves the old file in place.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session

from kb.clock import db_time, generated_at, stamp
from kb.models import Entry, Flag, Page, Verification, Version
from kb.sources import export_sources
from kb.suspect import HIDDEN

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("export.schema.json")
CHUNK = 500


@cache
def schema() -> dict[str, Any]:
    """The export's JSON Schema (the repo's contract file)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def flag_names() -> list[str]:
    """Flag names the contract knows: the schema is the one list."""
    return list(schema()["$defs"]["flag_name"]["enum"])


class OutputRefused(OSError):
    """``--out`` names something a command must not replace: one line, exit 2 (``kb.cli.main``)."""


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
_KINDS |= {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket"}


def output_target(path: str | os.PathLike[str]) -> Path:
    """The file writing ``path`` lands on: symlinks followed (the link stays, its target is written);
    refused when that is not a regular file or a new name in an existing folder (a device, a FIFO, a
    folder is never replaced by a file)."""
    try:
        target = Path(path).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise OutputRefused(f"{path}: {exc}") from exc
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise OutputRefused(f"{path} is {kind}: not replaced (give a file name; - writes to stdout)")
    if not target.parent.is_dir():
        raise OutputRefused(f"{path}: folder {target.parent} does not exist")
    return target


def umask() -> int:
    """The process's umask (read by setting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only once fully written (temp sibling + ``os.replace``).

    Every output file of the CLI is written here: through a symlink to its target, never over a
    device, FIFO or folder (:func:`output_target`), with the mode the user's umask gives a new file.
    """
    target = output_target(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputRefused(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def entry_filter(
    *,
    flags: Sequence[str] | None,
    site: str | None,
    since: datetime | None,
    include_gone: bool,
    include_off_topic: bool,
    include_held: bool = False,
) -> list[Any]:
    """WHERE clauses for the export's filters; the app's queue and API use them too (one meaning of --site)."""
    where: list[Any] = [] if include_held else [Entry.status.not_in(HIDDEN)]  # type: ignore[attr-defined]
    if not include_gone:
        where.append(Entry.status != "gone")
    if not include_off_topic:
        where.append(Entry.is_medical_insurance.is_(True))  # type: ignore[attr-defined]
    if since is not None:
        where.append(Entry.updated_at >= db_time(since))
    if site:
        where.append(
            or_(Entry.site == site, exists().where(and_(Page.entry_id == Entry.id, Page.site == site)))
        )
    if flags:
        where.append(
            exists().where(
                and_(Flag.entry_id == Entry.id, Flag.name.in_(list(flags)), Flag.cleared_at.is_(None))  # type: ignore[attr-defined, union-attr]
            )
        )
    return where


ENTRY_COLUMNS = (
    Entry.id,
    Entry.question,
    Entry.canonical_url,
    Entry.version,
    Entry.content_hash,
    Entry.first_seen,
    Entry.updated_at,
    Entry.published,
    Entry.updated,
    Entry.is_medical_insurance,
    Entry.status,
)


def _chunks(session: Session, where: list[Any], size: int) -> Iterator[list[Any]]:
    """Entries by id, ``size`` at a time: keyset paging keeps each query small and memory flat."""
    last: str | None = None
    while True:
        conds = list(where)
        if last is not None:
            conds.append(Entry.id > last)
        stmt = (
            select(*ENTRY_COLUMNS, Version.answer, Version.has_verification_disclaimer)
            .outerjoin(Version, and_(Version.entry_id == Entry.id, Version.number == Entry.version))
            .where(*conds)
            .order_by(Entry.id)
            .limit(size)
        )
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id
        if len(rows) < size:
            return


def _by_entry(rows: Sequence[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.entry_id].append(row)
    return grouped


def _entries(session: Session, rows: list[Any], history: bool) -> Iterator[dict[str, Any]]:
    """Entries of one chunk with their children; text orderings are done here, in Python, because
    database collations differ (PostgreSQL's en_US ignores punctuation) and the bytes must not."""
    ids = [r.id for r in rows]
    sources_of = export_sources(session, ids)
    open_flags = _by_entry(
        session.execute(
            select(Flag.entry_id, Flag.id, Flag.name, Flag.reason)
            .where(Flag.entry_id.in_(ids), Flag.cleared_at.is_(None))  # type: ignore[attr-defined, union-attr]
            .order_by(Flag.entry_id, Flag.name, Flag.id)
        ).all()
    )
    verifications = _by_entry(
        session.execute(
            select(Verification.entry_id, Verification.by, Verification.at, Verification.version)
            .where(Verification.entry_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(Verification.entry_id, Verification.at, Verification.id)
        ).all()
    )
    versions: dict[str, list[Any]] = {}
    if history:
        versions = _by_entry(
            session.execute(
                select(
                    Version.entry_id,
                    Version.number,
                    Version.question,
                    Version.answer,
                    Version.content_hash,
                    Version.has_verification_disclaimer,
                    Version.published,
                    Version.updated,
                    Version.source_url,
                    Version.created_at,
                )
                .where(Version.entry_id.in_(ids), Version.held.is_(None))  # type: ignore[attr-defined, union-attr]
                .order_by(Version.entry_id, Version.number)
            ).all()
        )
    for r in rows:
        seen_flags: set[str] = set()
        flags = []
        for f in sorted(open_flags.get(r.id, []), key=lambda f: (f.name, f.id)):
            if f.name not in seen_flags:  # one open flag per name; the oldest reason wins
                seen_flags.add(f.name)
                flags.append({"name": f.name, "reason": f.reason})
        ver = verifications.get(r.id)
        last_ver = ver[-1] if ver else None
        entry: dict[str, Any] = {
            "id": r.id,
            "question": r.question,
            "answer": r.answer or "",
            "url": r.canonical_url,
            "sources": sources_of.get(r.id, []),
            "version": r.version,
            "content_hash": r.content_hash,
            "flags": flags,
            "first_seen": stamp(r.first_seen),
            "updated_at": stamp(r.updated_at),
            "published": r.published,
            "updated": r.updated,
            "has_verification_disclaimer": bool(r.has_verification_disclaimer),
            "verified": (
                {"by": last_ver.by, "at": stamp(last_ver.at), "version": last_ver.version}
                if last_ver
                else None
            ),
            "is_medical_insurance": bool(r.is_medical_insurance),
            "status": r.status,
        }
        if history:
            entry["versions"] = [
                {
                    "number": v.number,
                    "question": v.question,
                    "answer": v.answer,
                    "content_hash": v.content_hash,
                    "has_verification_disclaimer": bool(v.has_verification_disclaimer),
                    "published": v.published,
                    "updated": v.updated,
                    "source_url": v.source_url,
                    "created_at": stamp(v.created_at),
                }
                for v in versions.get(r.id, [])
            ]
        yield entry


def iter_entries(
    session: Session,
    *,
    flags: Sequence[str] | None = None,
    site: str | None = None,
    since: datetime | None = None,
    history: bool = False,
    include_gone: bool = False,
    include_off_topic: bool = False,
    chunk: int = CHUNK,
    after: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Export entries one at a time, ordered by id (the export's unit; also the app's API, which pages
    with ``after``, the last id it served)."""
    where = entry_filter(
        flags=flags, site=site, since=since, include_gone=include_gone, include_off_topic=include_off_topic
    )
    if after is not None:
        where.append(Entry.id > after)
    for rows in _chunks(session, where, chunk):
        yield from _entries(session, rows, history)


def export_entry(session: Session, entry_id: str, *, history: bool = True) -> dict[str, Any] | None:
    """One entry as the export writes it (gone and off-topic ones too), or None."""
    for rows in _chunks(session, [Entry.id == entry_id], 1):
        return next(_entries(session, rows, history))
    return None


def count_entries(session: Session, **filters: Any) -> int:
    """How many entries an export with these filters will write (for the progress bar)."""
    where = entry_filter(**filters)
    return int(session.execute(select(func.count()).select_from(Entry).where(*where)).scalar() or 0)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_entries(
    entries: Iterator[dict[str, Any]],
    fh: IO[str],
    *,
    fmt: str,
    generated: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write entries as the JSON document (one entry per line inside it) or JSON Lines."""
    n = 0
    if fmt == "json":
        fh.write(f'{{"schema_version":{SCHEMA_VERSION},"generated_at":{_dumps(generated)},"entries":[')
        for entry in entries:
            fh.write(("\n" if n == 0 else ",\n") + _dumps(entry))
            n += 1
            if progress:
                progress(n)
        fh.write("\n]}\n" if n else "]}\n")
    elif fmt == "jsonl":
        for entry in entries:
            fh.write(_dumps(entry) + "\n")
            n += 1
            if progress:
                progress(n)
    else:
        raise ValueError(f"unknown export format {fmt!r} (json or jsonl)")
    return n


def export_entries(
    session: Session,
    out: IO[str] | str | os.PathLike[str],
    *,
    fmt: str = "json",
    flags: Sequence[str] | None = None,
    site: str | None = None,
    since: datetime | None = None,
    history: bool = False,
    include_gone: bool = False,
    include_off_topic: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the export to a stream or (atomically) to a path; returns the number of entries."""
    if fmt not in ("json", "jsonl"):
        raise ValueError(f"unknown export format {fmt!r} (json or jsonl)")
    unknown = sorted(set(flags or ()) - set(flag_names()))
    if unknown:
        raise ValueError(f"unknown flag {unknown[0]!r} (one of: {', '.join(flag_names())})")
    generated = generated_at(session)
    entries = iter_entries(
        session,
        flags=flags,
        site=site,
        since=since,
        history=history,
        include_gone=include_gone,
        include_off_topic=include_off_topic,
    )
    if isinstance(out, str | os.PathLike):
        with atomic_open(out) as fh:
            return write_entries(entries, fh, fmt=fmt, generated=generated, progress=progress)
    return write_entries(entries, out, fmt=fmt, generated=generated, progress=progress)
