"""The report as typed data: what ``build_report`` makes and every renderer (HTML, Markdown, JSON) reads.

Field order is the JSON's key order (``render_json`` writes the fields as declared): the JSON report is
a contract (DESIGN.md), so a field is added at the end of its class, never moved or renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from kb.diff import Op

ALARMS = "alarms"  # the section the report leads with when it has items


class Ref(TypedDict):
    """The fields every entry item starts with (``sections.ref`` fills them)."""

    id: str
    question: str
    url: str
    site: str


@dataclass
class EntryItem:
    """An entry in a section: its id, its question as of the window's end, its source and site."""

    id: str
    question: str
    url: str
    site: str


@dataclass
class Added(EntryItem):
    version: int
    answer: str
    has_verification_disclaimer: bool
    flags: list[str]
    verify: str


@dataclass
class Disclaimer:
    """Whether the old and the new version carry the official-verification disclaimer."""

    old: bool
    new: bool


@dataclass
class Changed(EntryItem):
    version_from: int | None
    version_to: int | None
    old_question: str
    new_question: str
    question_diff: list[Op] | None  # None when the question stayed
    old_answer: str
    new_answer: str
    reasons: list[str]
    diff: list[Op]  # exact (kb.diff.char_diff); renderers widen numbers for display
    numbers: list[str]
    summary: str
    disclaimer: Disclaimer
    flags: list[str]
    verify: str


@dataclass
class Gone(EntryItem):
    version: int | None
    answer: str
    verify: str


@dataclass
class Returned(EntryItem):
    version: int | None
    verify: str


@dataclass
class Cleared(EntryItem):
    flag: str
    reason: str


@dataclass
class Flagged(Cleared):
    verify: str


@dataclass
class Merged(EntryItem):
    source_url: str
    similarity: float | None


@dataclass
class OtherEntry:
    id: str | None
    question: str
    url: str


@dataclass
class Conflict(EntryItem):
    other_entry: OtherEntry
    verify: str


@dataclass
class Sample:
    """One change a template-change alarm held back: the entry's answer before and after."""

    id: str
    question: str
    url: str
    version_from: int | None
    version_to: int
    old_answer: str
    new_answer: str
    diff: list[Op]


@dataclass
class Alarm:
    """A site of a run whose changes look like a redesign or a broken extraction (``kb.alarm``)."""

    run: int
    site: str
    reason: str
    held: str  # suspect (waiting for an editor) | accepted | rejected | "" (nothing to hold: no answers)
    versions: int  # versions the alarm held back
    accept: str  # the commands that decide
    reject: str
    samples: list[Sample]


@dataclass
class ExtractionCheck:
    """A page whose extraction an editor should see (``kb.confidence``): low confidence, or no answer."""

    kind: str  # low_confidence | no_answer
    url: str
    site: str
    question: str
    id: str | None  # the entry the page feeds, if any
    method: str
    confidence: float
    detail: str
    run: int | None


@dataclass
class Section:
    """One group of the report: ``key`` names it in the JSON, the HTML anchor and the templates."""

    key: str
    heading: str  # "Changed", "Flags raised"
    noun: str  # in the headline: "3 changed", "1 flags raised"
    items: list = field(default_factory=list)  # of one item class (Added, Changed, …)
    always: bool = False  # shown, and counted in the headline, even when empty
    lead: bool = False  # shown before the others (editors read what changed first)


@dataclass
class Window:
    """What the report covers: (from_run, to_run], or every event since a time."""

    from_run: int | None
    to_run: int | None
    since: str | None
    start: str | None  # JSON "from"
    end: str | None  # JSON "to"

    @property
    def title(self) -> str:
        if self.since:
            return f"yibao-kb report since {self.since}"
        if self.from_run is not None:
            return f"yibao-kb report: run {self.from_run} → {self.to_run}"
        if self.to_run is not None:
            return f"yibao-kb report: up to run {self.to_run}"
        return "yibao-kb report"


@dataclass
class Summary:
    """Counts per section, then the crawl runs' totals and the one-line headline."""

    counts: dict[str, int]
    numbers_changed: int
    runs: int
    run_fetched: int
    run_not_modified: int
    run_failed: int
    line: str
    sites_failed: list[str] = field(default_factory=list)  # sites a crawl run of the window failed on


@dataclass
class DeadLink:
    """A link that answered 404/410 and never 200: listed for the editors, not a fault."""

    url: str
    site: str
    http_status: int | None
    first_seen: str
    id: str = "dead link"  # what the HTML shows where an entry's id goes

    @property
    def question(self) -> str:  # the heading line the HTML and the digest give every item
        return f"HTTP {self.http_status}: {self.url}"


@dataclass
class SiteRow:
    """One site's part of a crawl run (``kb.run_sites``): its status, why it failed, its counts."""

    site: str
    status: str
    reason: str  # why it failed ("" when ok)
    counts: dict[str, int]
    errors: dict[str, int]
    alarm: str = ""  # the template-change alarm's reason ("" when none)
    held: str = ""  # what became of the versions it held: suspect | accepted | rejected


@dataclass
class RunRow:
    """A run inside the window, with its counts (``kb.runs.RUN_COUNTS``, in that order)."""

    id: int
    kind: str
    spider: str | None
    site: str | None
    status: str
    started_at: str | None
    finished_at: str | None
    counts: dict[str, int]
    sites: list[SiteRow] = field(default_factory=list)  # by site name; none for runs before them


@dataclass
class HealthPoint:
    """The KB after one crawl run: entries present and open flags by name."""

    run: int
    at: str | None
    status: str
    entries: int
    flags: dict[str, int]


@dataclass
class Health:
    """The chart's data: the flag names (legend order) and one point per recent crawl run."""

    flags: list[str]
    runs: list[HealthPoint]


@dataclass
class Report:
    report_version: int
    generated_at: str
    window: Window
    summary: Summary
    sections: list[Section]
    runs: list[RunRow]
    health: Health

    def shown(self) -> list[Section]:
        """The sections in reading order: a template-change alarm first, the leading ones next, then
        JSON order; empty ones left out unless ``always``."""
        return sorted(
            (s for s in self.sections if s.items or s.always), key=lambda s: (s.key != ALARMS, not s.lead)
        )

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def items(self, key: str) -> list:
        """The items of one section (``report.items("changed")``)."""
        return self.section(key).items
