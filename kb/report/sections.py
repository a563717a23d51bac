"""The report's sections: each is one plain function from the window's ``Facts`` to a list of items.

To add a section (say, dead links): write a function here decorated with ``@section(key, heading)``
that returns its items (a dataclass of ``model.py``; an ``EntryItem`` subclass for entries). The JSON
gains the key (registration order is the JSON's key order), the summary and headline count it, and the
HTML and Markdown show each entry as its heading line. For more than that, a macro named ``key`` in
``templates/items.html`` (the HTML) and a function in ``render_md.LINES`` (the digest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kb.diff import char_diff, number_changes, summary_line
from kb.models import Event, Version
from kb.report.model import (
    ALARMS,
    Added,
    Alarm,
    Changed,
    Cleared,
    Conflict,
    DeadLink,
    Disclaimer,
    ExtractionCheck,
    Flagged,
    Gone,
    Merged,
    OtherEntry,
    Ref,
    Returned,
    Sample,
)
from kb.report.window import Facts, detail

Build = Callable[[Facts], list]
ALARM_SAMPLES = 3  # before/after pairs an alarm shows


@dataclass(frozen=True)
class SectionSpec:
    key: str
    heading: str
    noun: str
    build: Build
    always: bool
    lead: bool


SECTIONS: list[SectionSpec] = []  # in registration order: the JSON's key order


def section(
    key: str, heading: str, noun: str | None = None, *, always: bool = False, lead: bool = False
) -> Callable[[Build], Build]:
    """Register a section builder. ``always``: shown even when empty; ``lead``: shown first."""

    def register(build: Build) -> Build:
        SECTIONS.append(SectionSpec(key, heading, noun or key, build, always, lead))
        return build

    return register


def verify_command(entry_id: str) -> str:
    """What an editor runs once they checked the entry against the official source."""
    return f"kb verify {entry_id} --by NAME"


def site_name(url: str) -> str:
    from sites import profiles  # site profiles (no Scrapy): the same naming the crawl uses

    return profiles.for_url(url).name if url else ""


def ref(facts: Facts, entry_id: str, url: str | None = None, question: str | None = None) -> Ref:
    """An item's first fields: the entry as of the window's end, at ``url`` (default: its source)."""
    head = facts.head(entry_id)
    url = url or (head.source_url if head else "")
    if question is None:
        question = head.question if head else ""
    return {"id": entry_id, "question": question, "url": url, "site": site_name(url)}


def first_event(events: list[Event]) -> dict[str, Event]:
    """Each entry's first event of these, entries sorted by id."""
    first: dict[str, Event] = {}
    for event in events:
        first.setdefault(event.entry_id, event)
    return dict(sorted(first.items()))


def reached(facts: Facts) -> dict[str, int]:
    """The newest version each entry reached inside the window (a held-back, suspect one is not reached:
    the "alarms" section shows those)."""
    latest: dict[str, int] = {}
    for event in facts.of_kind("added") + facts.of_kind("changed"):
        held = facts.version(event.entry_id, event.version_to)
        if event.version_to is not None and not (held and held.held):
            latest[event.entry_id] = max(latest.get(event.entry_id, 0), event.version_to)
    return latest


def started(facts: Facts) -> dict[str, int]:
    """The version each changed entry started the window at."""
    first: dict[str, int] = {}
    for event in facts.of_kind("changed"):
        if event.version_from is not None:
            first[event.entry_id] = min(first.get(event.entry_id, event.version_from), event.version_from)
    return first


@section("added", "New", always=True)
def added(facts: Facts) -> list[Added]:
    latest = reached(facts)
    out = []
    for entry_id, event in first_event(facts.of_kind("added")).items():
        number = latest.get(entry_id, event.version_to or 1)
        v = facts.version(entry_id, number)
        if v is not None and v.held:
            continue  # a new entry a template-change alarm held back: the "alarms" section shows it
        out.append(
            Added(
                **ref(facts, entry_id, event.url, v.question if v else None),
                version=number,
                answer=v.answer if v else "",
                has_verification_disclaimer=bool(v and v.has_verification_disclaimer),
                flags=facts.flags_now.get(entry_id, []),
                verify=verify_command(entry_id),
            )
        )
    return out


@section("changed", "Changed", always=True, lead=True)
def changed(facts: Facts) -> list[Changed]:
    latest, first = reached(facts), started(facts)
    new_ids = {e.entry_id for e in facts.of_kind("added")}
    reasons: dict[str, set[str]] = {}
    for event in facts.of_kind("changed"):
        reason = detail(event).get("reason")
        if isinstance(reason, str) and reason:
            reasons.setdefault(event.entry_id, set()).add(reason)
    out = []
    for entry_id in sorted({e.entry_id for e in facts.of_kind("changed")} - new_ids):
        if latest.get(entry_id, 0) <= first.get(entry_id, 0):
            continue  # every change it had is held back
        old = facts.version(entry_id, first.get(entry_id))
        new = facts.version(entry_id, latest.get(entry_id))
        old_answer, new_answer = (old.answer if old else ""), (new.answer if new else "")
        numbers = number_changes(old_answer, new_answer)
        question_diff = None
        if old and new and old.question != new.question:
            question_diff = char_diff(old.question, new.question)
        out.append(
            Changed(
                **ref(facts, entry_id, new.source_url if new else None, new.question if new else None),
                version_from=first.get(entry_id),
                version_to=latest.get(entry_id),
                old_question=old.question if old else "",
                new_question=new.question if new else "",
                question_diff=question_diff,
                old_answer=old_answer,
                new_answer=new_answer,
                reasons=sorted(reasons.get(entry_id, ())),
                diff=char_diff(old_answer, new_answer),
                numbers=numbers,
                summary=summary_line(numbers),
                disclaimer=Disclaimer(
                    old=bool(old and old.has_verification_disclaimer),
                    new=bool(new and new.has_verification_disclaimer),
                ),
                flags=facts.flags_now.get(entry_id, []),
                verify=verify_command(entry_id),
            )
        )
    return out


def with_head(facts: Facts, kind: str) -> Iterator[tuple[Ref, Version | None]]:
    """(item fields, newest version at the window's end) per entry with an event of this kind."""
    for entry_id, event in first_event(facts.of_kind(kind)).items():
        yield ref(facts, entry_id, event.url), facts.head(entry_id)


@section("gone", "Gone", always=True)
def gone(facts: Facts) -> list[Gone]:
    return [
        Gone(
            **r,
            version=last.number if last else None,
            answer=last.answer if last else "",
            verify=verify_command(r["id"]),
        )
        for r, last in with_head(facts, "gone")
    ]


@section("returned", "Back again")
def returned(facts: Facts) -> list[Returned]:
    return [
        Returned(**r, version=last.number if last else None, verify=verify_command(r["id"]))
        for r, last in with_head(facts, "returned")
    ]


def flag_events(facts: Facts, kind: str) -> Iterator[tuple[Event, str, str]]:
    """(event, flag name, reason) for each flag raised (or cleared) once per entry and name."""
    seen: set[tuple[str, str]] = set()
    for event in facts.of_kind(kind):
        info = detail(event)
        name = str(info.get("flag") or "")
        if name and (event.entry_id, name) not in seen:
            seen.add((event.entry_id, name))
            yield event, name, str(info.get("reason") or "")


@section("flagged", "Flags raised", "flags raised")
def flagged(facts: Facts) -> list[Flagged]:
    items = [
        Flagged(**ref(facts, e.entry_id), flag=name, reason=reason, verify=verify_command(e.entry_id))
        for e, name, reason in flag_events(facts, "flag_raised")
    ]
    return sorted(items, key=lambda i: (i.flag, i.id))


@section("cleared", "Flags cleared", "flags cleared")
def cleared(facts: Facts) -> list[Cleared]:
    items = [
        Cleared(**ref(facts, e.entry_id), flag=name, reason=reason)
        for e, name, reason in flag_events(facts, "flag_cleared")
    ]
    return sorted(items, key=lambda i: (i.flag, i.id))


def with_detail(facts: Facts, kind: str) -> Iterator[tuple[Event, dict[str, Any]]]:
    for event in facts.of_kind(kind):
        yield event, detail(event)


@section("merged", "Duplicates merged")
def merged(facts: Facts) -> list[Merged]:
    items = [
        Merged(
            **ref(facts, e.entry_id),
            source_url=str(info.get("source_url") or e.url or ""),
            similarity=info.get("similarity"),
        )
        for e, info in with_detail(facts, "merged")
    ]
    return sorted(items, key=lambda i: (i.id, i.source_url))


def other_entry(facts: Facts, other_id: Any) -> OtherEntry:
    """The entry a conflict is with, as of the window's end (its id may name no entry)."""
    other_id = other_id if isinstance(other_id, str) else None
    other = facts.head(other_id) if other_id else None
    return OtherEntry(
        id=other_id, question=other.question if other else "", url=other.source_url if other else ""
    )


@section("conflicts", "Conflicts")
def conflicts(facts: Facts) -> list[Conflict]:
    items = [
        Conflict(
            **ref(facts, e.entry_id, str(info.get("url") or e.url or "") or None),
            other_entry=other_entry(facts, info.get("other_entry")),
            verify=verify_command(e.entry_id),
        )
        for e, info in with_detail(facts, "conflict")
    ]
    return sorted(items, key=lambda i: (i.id, i.url))


@section("dead_links", "Dead links", "dead links")
def dead_links(facts: Facts) -> list[DeadLink]:
    """Links first found dead in the window (rechecked on a growing interval, not every night)."""
    return [
        DeadLink(p.url, p.site, p.http_status, p.first_seen.isoformat(timespec="seconds"))
        for p in facts.dead_links
    ]


def held_samples(facts: Facts, run_id: int, site: str) -> tuple[int, list[Sample]]:
    """How many versions the run made for the site's entries (held back, since accepted or rejected),
    and a few of them as before/after (changes first: a new entry has no before)."""
    made = [
        v
        for versions in facts.history.values()
        for v in versions
        if v.run_id == run_id and facts.sites.get(v.entry_id) == site
    ]
    samples = []
    for v in sorted(made, key=lambda v: (v.number == 1, v.entry_id, v.number))[:ALARM_SAMPLES]:
        before = [o for o in facts.history.get(v.entry_id, []) if o.number < v.number and not o.held]
        old = before[-1] if before else None
        old_answer = old.answer if old else ""
        samples.append(
            Sample(
                id=v.entry_id,
                question=v.question,
                url=v.source_url,
                version_from=old.number if old else None,
                version_to=v.number,
                old_answer=old_answer,
                new_answer=v.answer,
                diff=char_diff(old_answer, v.answer),
            )
        )
    return len(made), samples


@section(ALARMS, "Template-change alarm", "template alarms")
def alarms(facts: Facts) -> list[Alarm]:
    """Sites whose run changed too much at once: held back until an editor accepts or rejects the run."""
    out = []
    for row in facts.alarms:
        count, samples = held_samples(facts, row.run_id, row.site)
        out.append(
            Alarm(
                run=row.run_id,
                site=row.site,
                reason=row.alarm or "",
                held=row.held or "",
                versions=count,
                accept=f"kb accept-run {row.run_id} --site {row.site}",
                reject=f"kb reject-run {row.run_id} --site {row.site}",
                samples=samples,
            )
        )
    return out


@section("extraction_check", "Extraction to check", "extraction to check")
def extraction_check(facts: Facts) -> list[ExtractionCheck]:
    """Low-confidence answers and on-topic pages without one, once per page and kind (the latest)."""
    latest: dict[tuple[str, str], ExtractionCheck] = {}
    for n in facts.notes:
        latest[(n.kind, n.url)] = ExtractionCheck(
            kind=n.kind,
            url=n.url,
            site=n.site,
            question=n.question,
            id=n.entry_id,
            method=n.method,
            confidence=n.confidence,
            detail=n.detail,
            run=n.run_id,
        )
    return [latest[k] for k in sorted(latest)]
