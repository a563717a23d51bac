"""Sources: the pages that feed one entry (``Page.entry_id``), and which of them is canonical.

Several pages can carry one answer (the same text on two URLs or two sites): each is a source of the
entry. The canonical source is the one the entry shows (its ``url``, its site, its dates, its text):
the highest profile priority (an official site before a portal), then the first seen, then the URL.
When the canonical source goes, the best one left takes over; a better one arriving takes over too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, select

from kb.clock import stamp
from kb.models import Entry, Page
from kb.snapshot import Snapshot
from sites import profiles


class SourceLike(Protocol):
    """A page row, or a query row with the columns the canonical-source rule reads."""

    @property
    def priority(self) -> int: ...
    @property
    def first_seen(self) -> datetime: ...
    @property
    def url(self) -> str: ...


def priority(snap: Snapshot) -> int:
    """Source priority: the snapshot's, else the site profile's (an official site before a portal)."""
    return snap.priority or profiles.get(snap.site).priority


def source_key(page: SourceLike) -> tuple[int, datetime, str]:
    """The canonical-source rule as a sort key: higher priority first, then first seen, then URL."""
    return (-page.priority, page.first_seen, page.url)


def attach(page: Page, entry_id: str, chash: str) -> None:
    """``page`` is now a source of the entry, holding content ``chash``."""
    page.entry_id = entry_id
    page.content_hash = chash


def detach(page: Page) -> None:
    """``page`` no longer carries its entry's answer (it has one of its own now)."""
    page.entry_id = None
    page.content_hash = None


def active_sources(session: Session, entry_id: str) -> list[Page]:
    """The entry's pages that are not gone."""
    return list(session.exec(select(Page).where(Page.entry_id == entry_id, Page.status != "gone")).all())


def make_canonical(entry: Entry, page: Page) -> None:
    entry.canonical_url, entry.site = page.url, page.site


def outranks_canonical(session: Session, entry: Entry, page: Page) -> bool:
    """``page`` should be the entry's canonical source: the current one is missing, gone or ranks lower."""
    current = session.exec(select(Page).where(Page.url == entry.canonical_url)).first()
    return current is None or current.status == "gone" or source_key(page) < source_key(current)


def source_lost(session: Session, entry: Entry, page: Page) -> int:
    """``page`` went gone: how many of the entry's sources are left. When ``page`` was the canonical
    one and others are left, the best of them becomes canonical."""
    left = [p for p in active_sources(session, entry.id) if p.id != page.id]
    if left and entry.canonical_url == page.url:
        make_canonical(entry, min(left, key=source_key))
        session.add(entry)
    return len(left)


def export_sources(session: Session, entry_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each entry's sources as the export writes them: canonical source first (by :func:`source_key`),
    gone pages included (with their status)."""
    rows = session.exec(
        select(
            Page.entry_id, Page.url, Page.site, Page.priority, Page.status, Page.first_seen, Page.last_seen
        ).where(Page.entry_id.in_(list(entry_ids)))  # type: ignore[union-attr]
    ).all()
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.entry_id].append(row)
    return {
        entry_id: [
            {
                "url": p.url,
                "site": p.site,
                "priority": p.priority,
                "status": p.status,
                "first_seen": stamp(p.first_seen),
                "last_seen": stamp(p.last_seen),
            }
            for p in sorted(pages, key=source_key)
        ]
        for entry_id, pages in grouped.items()
    }
