"""A small KB written row by row, shared by the export and report tests.

It does what two crawls would record (Runs, Entries, Pages, Versions, Flags, Events), including
pages that carry script payloads, so export and report can be tested without a crawl; the
crawl-and-ingest path is covered by the tests that go through ``kb.ingest``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from kb.clock import db_time
from kb.db import session
from kb.models import Entry, Event, Flag, Page, Run, Verification, Version

T0 = datetime(2026, 1, 5, 2, 0, 0)
PAYLOAD_Q = "医保<script>window.__pwned=1;document.title='pwned'</script>报销吗?"
PAYLOAD_A = (
    "门诊<img src=x onerror=\"window.__pwned=1;document.title='pwned'\">费用"
    "</div><script>window.__pwned=1</script>可报销3000元。"
)
PAYLOAD_URLS = [
    "javascript:window.__pwned=1;document.title='pwned'",
    "JaVaScRiPt:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    'http://127.0.0.1/x" onmouseover="window.__pwned=1" x="',
]

OLD_A = "职工医保门诊费用超过3000元的部分,报销比例为50%。\n\n需要提前备案。"
NEW_A = "职工医保门诊费用超过4000元的部分,报销比例为50%。\n\n需要提前备案。"
OLD_D = "异地就医需要先备案。"
NEW_D = "异地就医需要先备案。\n\n备案后可在就医地直接结算,无需回参保地报销。"


def _entry(eid: str, question: str, url: str, site: str, t: datetime, **kw: object) -> Entry:
    values: dict[str, object] = {
        "id": eid,
        "question": question,
        "site": site,
        "canonical_url": url,
        "version": 1,
        "content_hash": f"h-{eid}-1",
        "first_seen": t,
        "updated_at": t,
        "last_seen": t,
    }
    values.update(kw)
    return Entry(**values)  # type: ignore[arg-type]


def _version(
    eid: str, n: int, q: str, a: str, url: str, run: int, t: datetime, disc: bool = False
) -> Version:
    return Version(
        entry_id=eid,
        number=n,
        question=q,
        answer=a,
        content_hash=f"h-{eid}-{n}",
        has_verification_disclaimer=disc,
        source_url=url,
        run_id=run,
        created_at=t,
        published="2025-12-01",
    )


def _event(run: int | None, eid: str, kind: str, t: datetime, **kw: object) -> Event:
    detail = kw.pop("detail", {})
    return Event(
        run_id=run, entry_id=eid, kind=kind, at=t, detail=json.dumps(detail, ensure_ascii=False), **kw
    )  # type: ignore[arg-type]


def build_fixture_kb(db_url: str, payload: bool = True) -> dict[str, object]:
    """Two crawl runs' worth of rows; returns ids and the expectations the tests check."""
    t1, t2 = db_time(T0), db_time(T0 + timedelta(days=1))
    assert t1 is not None and t2 is not None
    portal, city = "http://127.0.0.1:8001", "http://127.0.0.2:8002"
    with session(db_url) as s:
        r1 = Run(
            kind="crawl", spider="discover", started_at=t1, finished_at=t1 + timedelta(minutes=5), status="ok"
        )
        r1.fetched, r1.new = 6, 5
        s.add(r1)
        s.flush()
        r2 = Run(
            kind="crawl", spider="discover", started_at=t2, finished_at=t2 + timedelta(minutes=5), status="ok"
        )
        r2.fetched, r2.new, r2.changed, r2.gone, r2.not_modified = 6, 1, 3, 1, 1
        s.add(r2)
        s.flush()
        a1, a2 = r1.id, r2.id
        assert a1 is not None and a2 is not None
        rows: list[object] = []
        e1 = t1 + timedelta(minutes=1)
        e2 = t2 + timedelta(minutes=1)
        # A: the 3000元 → 4000元 change; two sources (portal + city), merged in run 2.
        qa = "职工医保门诊报销起付线是多少?"
        rows += [
            _entry(
                "eaaaa",
                qa,
                f"{city}/zcwd/a.html",
                "sample-city",
                e1,
                version=2,
                content_hash="h-eaaaa-2",
                updated_at=e2,
                published="2025-12-01",  # its canonical page's date (the versions carry it too)
            ),
            _version("eaaaa", 1, qa, OLD_A, f"{city}/zcwd/a.html", a1, e1),
            _version("eaaaa", 2, qa, NEW_A, f"{city}/zcwd/a.html", a2, e2),
            Page(
                url=f"{city}/zcwd/a.html",
                site="sample-city",
                entry_id="eaaaa",
                priority=10,
                first_seen=e1,
                last_seen=e2,
            ),
            Page(
                url=f"{portal}/ask/a.html",
                site="sample-portal",
                entry_id="eaaaa",
                priority=5,
                first_seen=e2,
                last_seen=e2,
            ),
            _event(a1, "eaaaa", "added", e1, version_to=1, url=f"{city}/zcwd/a.html"),
            _event(a2, "eaaaa", "changed", e2, version_from=1, version_to=2, url=f"{city}/zcwd/a.html"),
            _event(
                a2,
                "eaaaa",
                "merged",
                e2,
                url=f"{portal}/ask/a.html",
                detail={"source_url": f"{portal}/ask/a.html", "similarity": 0.97},
            ),
            Verification(entry_id="eaaaa", version=1, by="li", at=e1 + timedelta(hours=2)),
            Flag(
                entry_id="eaaaa",
                name="changed_since_verified",
                reason="verified v1, now v2",
                raised_at=e2,
                raised_run_id=a2,
            ),
        ]
        # B: carries the disclaimer in v1; run 2 drops it, so needs_verification is cleared.
        qb = "城乡居民医保怎么交?"
        rows += [
            _entry(
                "ebbbb",
                qb,
                f"{portal}/ask/b.html",
                "sample-portal",
                e1,
                version=2,
                content_hash="h-ebbbb-2",
                updated_at=e2,
            ),
            _version("ebbbb", 1, qb, "在线缴费即可。", f"{portal}/ask/b.html", a1, e1, disc=True),
            _version("ebbbb", 2, qb, "在线缴费即可。", f"{portal}/ask/b.html", a2, e2, disc=False),
            Page(
                url=f"{portal}/ask/b.html",
                site="sample-portal",
                entry_id="ebbbb",
                priority=5,
                first_seen=e1,
                last_seen=e2,
            ),
            _event(a1, "ebbbb", "added", e1, version_to=1),
            _event(a2, "ebbbb", "changed", e2, version_from=1, version_to=2),
            Flag(
                entry_id="ebbbb",
                name="needs_verification",
                reason="disclaimer, not verified",
                raised_at=e1,
                raised_run_id=a1,
                cleared_at=e2,
                cleared_run_id=a2,
            ),
            _event(
                a1,
                "ebbbb",
                "flag_raised",
                e1,
                detail={"flag": "needs_verification", "reason": "disclaimer, not verified"},
            ),
            _event(
                a2,
                "ebbbb",
                "flag_cleared",
                e2,
                detail={"flag": "needs_verification", "reason": "disclaimer gone"},
            ),
        ]
        # C: gone in run 2.
        qc = "生育津贴怎么领?"
        rows += [
            _entry("ecccc", qc, f"{portal}/ask/c.html", "sample-portal", e1, status="gone", gone_at=e2),
            _version("ecccc", 1, qc, "向单位申请。", f"{portal}/ask/c.html", a1, e1),
            Page(
                url=f"{portal}/ask/c.html",
                site="sample-portal",
                entry_id="ecccc",
                status="gone",
                priority=5,
                first_seen=e1,
                last_seen=e1,
            ),
            _event(a1, "ecccc", "added", e1, version_to=1),
            _event(a2, "ecccc", "gone", e2, url=f"{portal}/ask/c.html"),
            Flag(entry_id="ecccc", name="gone", reason="404", raised_at=e2, raised_run_id=a2),
            _event(a2, "ecccc", "flag_raised", e2, detail={"flag": "gone", "reason": "404"}),
        ]
        # D: a paragraph added.
        qd = "异地就医怎么报销?"
        rows += [
            _entry(
                "edddd",
                qd,
                f"{city}/zcwd/d.html",
                "sample-city",
                e1,
                version=2,
                content_hash="h-edddd-2",
                updated_at=e2,
            ),
            _version("edddd", 1, qd, OLD_D, f"{city}/zcwd/d.html", a1, e1),
            _version("edddd", 2, qd, NEW_D, f"{city}/zcwd/d.html", a2, e2),
            Page(
                url=f"{city}/zcwd/d.html",
                site="sample-city",
                entry_id="edddd",
                priority=10,
                first_seen=e1,
                last_seen=e2,
            ),
            _event(a1, "edddd", "added", e1, version_to=1),
            _event(a2, "edddd", "changed", e2, version_from=1, version_to=2),
        ]
        # E: new in run 2, conflicting with A's figures.
        qe = "职工医保门诊报销起付线是多少钱?"
        rows += [
            _entry("eeeee", qe, f"{portal}/ask/e.html", "sample-portal", e2),
            _version("eeeee", 1, qe, "起付线为5000元。", f"{portal}/ask/e.html", a2, e2),
            Page(
                url=f"{portal}/ask/e.html",
                site="sample-portal",
                entry_id="eeeee",
                priority=5,
                first_seen=e2,
                last_seen=e2,
            ),
            _event(a2, "eeeee", "added", e2, version_to=1, url=f"{portal}/ask/e.html"),
            _event(
                a2, "eeeee", "conflict", e2, detail={"other_entry": "eaaaa", "url": f"{portal}/ask/e.html"}
            ),
        ]
        # O: off-topic entry (kept out of exports unless asked).
        rows += [
            _entry(
                "eoooo",
                "医美项目多少钱?",
                f"{portal}/ask/o.html",
                "sample-portal",
                e1,
                is_medical_insurance=False,
            ),
            _version("eoooo", 1, "医美项目多少钱?", "因人而异。", f"{portal}/ask/o.html", a1, e1),
        ]
        if payload:
            # P: a page whose every string is hostile, added in run 2 and flagged.
            rows += [
                _entry("epwned", PAYLOAD_Q, PAYLOAD_URLS[0], "sample-portal", e2),
                _version("epwned", 1, PAYLOAD_Q, PAYLOAD_A, PAYLOAD_URLS[0], a2, e2, disc=True),
                Page(
                    url=PAYLOAD_URLS[3], site="sample-portal", entry_id="epwned", first_seen=e2, last_seen=e2
                ),
                _event(a2, "epwned", "added", e2, version_to=1, url=PAYLOAD_URLS[0]),
                Flag(
                    entry_id="epwned",
                    name="needs_verification",
                    reason="<script>window.__pwned=1</script>",
                    raised_at=e2,
                    raised_run_id=a2,
                ),
                _event(
                    a2,
                    "epwned",
                    "flag_raised",
                    e2,
                    detail={"flag": "needs_verification", "reason": "<img src=x onerror=window.__pwned=1>"},
                ),
                _event(a2, "epwned", "merged", e2, detail={"source_url": PAYLOAD_URLS[1], "similarity": 0.9}),
                _event(a2, "epwned", "conflict", e2, detail={"other_entry": "eaaaa", "url": PAYLOAD_URLS[2]}),
            ]
        for row in rows:
            s.add(row)
            s.flush()  # insert in order: flags and events reference entries
    return {"runs": (a1, a2), "portal": portal, "city": city}


def cli(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """``kb ARGS`` in this process (a subprocess costs a second of imports): (exit code, stdout, stderr)."""
    from kb.cli import main

    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
