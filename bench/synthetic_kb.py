"""Synthetic KBs for the scale benchmarks: answers like the seeds', bulk-inserted, cached under /tmp.

An answer is 4-8 sentences drawn from the seed answers and cards with ~3% of its characters mutated
(so answers that share sentences are near but not copies, as templated 医保 answers are); a copy is an
answer with one sentence half-reworded, or one added. A KB of ``n`` entries holds ``n`` answers, each
an entry as ingest leaves it: its version, its MinHash and LSH bands (``kb.dedupe``), an ``added``
event, a portal page (and a city page for every second entry: two sources), a ``needs_verification``
flag on every third, pages due for a revisit on every second. Rows go in with executemany in batches,
never through ingest (which is what the benchmarks measure); a KB built once is reused
(``/tmp/yibao-bench/kb-<n>.sqlite``, or one PostgreSQL database per size).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

CACHE = Path("/tmp/yibao-bench")
SENTENCE = re.compile(r"[^。!?;\n]+[。!?;]?")
T0 = datetime(2026, 1, 5, 2, 0, 0)
PORTAL, CITY = "http://127.0.0.1:8001", "http://127.0.0.2:8002"
BATCH = 5000


@cache
def _pool() -> tuple[list[str], str]:
    from sample_site.seeds import answer_text, load_seeds

    texts = []
    for s in load_seeds():
        texts.append(answer_text(s["blocks"]))
        texts += [c["snippet"] for c in s["cards"]]
    sentences = sorted(
        {m.group(0) for t in texts for m in SENTENCE.finditer(t) if 8 <= len(m.group(0)) <= 120}
    )
    alphabet = "".join(sorted({ch for t in texts for ch in t if "\u4e00" <= ch <= "\u9fff"}))
    return sentences, alphabet


def answers(seed: int = 7, start: int = 0) -> Iterator[tuple[str, str]]:
    """New (question, answer) pairs, the ``start``-th on; the same stream for the same seed."""
    rng = random.Random(seed)
    sentences, alphabet = _pool()
    i = 0
    while True:
        chosen = rng.sample(sentences, rng.randint(4, 8))
        text = list("".join(chosen))
        for _ in range(len(text) // 33):
            text[rng.randrange(len(text))] = rng.choice(alphabet)
        if i >= start:
            yield f"问题{i}:" + chosen[0][:12], "".join(text)
        i += 1


def copy_of(answer: str, rng: random.Random) -> str:
    """A near copy of ``answer``: one sentence half-reworded, or one sentence added."""
    sentences, _ = _pool()
    parts = [m.group(0) for m in SENTENCE.finditer(answer)]
    if rng.random() < 0.5 and len(parts) > 1:
        k = rng.randrange(len(parts))
        half = len(parts[k]) // 2
        parts[k] = parts[k][:half] + rng.choice(sentences)[: len(parts[k]) - half]
    else:
        parts.append(rng.choice(sentences))
    return "".join(parts)


def entry_id(i: int) -> str:
    return f"e{i:015x}"


def snapshot(url: str, question: str, answer: str, at: datetime) -> object:
    """What the pipeline hands ingest for a fetched Q&A page (extraction already done)."""
    from extract.model import ExtractedPage
    from kb.snapshot import Snapshot

    site = "sample-city" if url.startswith(CITY) else "sample-portal"
    page = ExtractedPage(
        url=url,
        question=question,
        answer=answer,
        answer_blocks=[{"type": "paragraph", "text": answer}],
        is_medical_insurance=True,
        page_type="qa",
        extractor_version="bench",
    )
    body = f"<html><h1>{question}</h1><div>{answer}</div></html>".encode()
    return Snapshot(
        url=url,
        status=200,
        fetched_at=at,
        site=site,
        content_type="text/html; charset=utf-8",
        body=body,
        page=page,
    )


def build(url: str, n: int) -> None:
    """Fill the (empty) KB at ``url`` with ``n`` entries."""
    from sqlalchemy import insert

    from kb import dedupe
    from kb.db import get_engine
    from kb.models import Entry, EntryBand, Event, Flag, Page, Run, Version
    from kb.normalize import normalized

    engine = get_engine(url)
    stream = answers()
    with engine.begin() as conn:
        conn.execute(
            insert(Run.__table__), [dict(id=1, kind="crawl", started_at=T0, finished_at=T0, status="ok")]
        )
    for start in range(0, n, BATCH):
        rows: dict[type, list[dict[str, object]]] = {
            m: [] for m in (Entry, Version, EntryBand, Event, Page, Flag)
        }
        for i in range(start, min(start + BATCH, n)):
            question, answer = next(stream)
            sig = dedupe.signature(normalized(question, answer))
            eid, t = entry_id(i), T0 + timedelta(seconds=i % 86400)
            src = f"{PORTAL}/ask/{i}.html"
            rows[Entry].append(
                dict(id=eid, question=question, site="sample-portal", canonical_url=src, version=1,
                     content_hash=sig.norm.content_hash, minhash=dedupe.to_bytes(sig.minhash), first_seen=t,
                     updated_at=t, last_seen=t, published="2025-12-01", status="active",
                     is_medical_insurance=True)
            )  # fmt: skip
            rows[Version].append(
                dict(entry_id=eid, number=1, question=question, answer=answer,
                     answer_blocks='[{"type": "paragraph", "text": "..."}]', content_hash=sig.norm.content_hash,
                     source_url=src, created_at=t, run_id=1, extractor_version="bench",
                     has_verification_disclaimer=i % 3 == 0, has_medical_tip=False, is_medical_insurance=True)
            )  # fmt: skip
            rows[EntryBand] += [{"band": b, "hash": h, "entry_id": eid} for b, h in sig.bands]
            rows[Event].append(
                dict(run_id=1, entry_id=eid, kind="added", at=t, url=src, version_to=1, detail="{}")
            )
            due = t + timedelta(days=1 if i % 2 else 60)  # every second page is due on the night measured
            for page_url, site, priority in [(src, "sample-portal", 5)] + (
                [(f"{CITY}/zcwd/{i}.html", "sample-city", 10)] if i % 2 == 0 else []
            ):
                rows[Page].append(
                    dict(url=page_url, site=site, entry_id=eid, priority=priority, status="ok", http_status=200,
                         etag=f'"{i:x}"', content_hash=sig.norm.content_hash, first_seen=t, last_seen=t,
                         last_fetched=t, next_due=due, change_interval=86400.0, gone_streak=0, fail_streak=0)
                )  # fmt: skip
            if i % 3 == 0:
                rows[Flag].append(
                    dict(
                        entry_id=eid,
                        name="needs_verification",
                        reason="disclaimer; not verified",
                        raised_at=t,
                    )
                )
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # random-key inserts into big indexes: keep them cached
                raw = conn.connection.dbapi_connection  # outside a transaction (kb.db begins IMMEDIATE)
                raw.execute("PRAGMA cache_size = -1000000")
                raw.execute("PRAGMA synchronous = OFF")
            with conn.begin():
                for model, batch in rows.items():
                    if batch:
                        conn.execute(insert(model.__table__), batch)
    engine.dispose()


def cached(n: int, backend: str = "sqlite") -> str:
    """The URL of a synthetic KB of ``n`` entries, built on first use (in a process of its own: a
    benchmark's parent stays small, and Linux counts a parent's RSS at fork in its children's peak)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.synthetic_kb", str(n), backend], capture_output=True, text=True
    )
    if proc.returncode:
        raise RuntimeError(f"building the {n:,}-entry KB failed: {proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


def _cached(n: int, backend: str) -> str:
    if backend == "postgresql":
        return _cached_postgres(n)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"kb-{n}.sqlite"
    if not path.exists():
        partial = CACHE / f"kb-{n}.partial.sqlite"
        for leftover in CACHE.glob(f"kb-{n}.partial.sqlite*"):
            leftover.unlink()
        build(f"sqlite:///{partial}", n)
        partial.rename(path)
    return f"sqlite:///{path}"


def working_copy(url: str, name: str) -> str:
    """A copy of a cached KB to write into (the cached one stays as built)."""
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    source = Path(url.split(":///", 1)[1])
    target = CACHE / f"{name}.sqlite"
    for leftover in CACHE.glob(f"{name}.sqlite*"):
        leftover.unlink()
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _cached_postgres(n: int) -> str:
    """One database per size; rebuilt unless it holds all ``n`` entries (a build cut short does not)."""
    import psycopg

    name = f"yibao_bench_{n}"
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT count(*) FROM entry").fetchone() == (n,):
                conn.execute(_RUN_SEQUENCE)
                return url
    except psycopg.Error:
        pass
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    build(url, n)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_RUN_SEQUENCE)
        conn.execute("VACUUM ANALYZE")
    return url


# The build inserts run 1 by id: move the sequence past it, or the night's first run collides with it.
_RUN_SEQUENCE = "SELECT setval(pg_get_serial_sequence('run', 'id'), (SELECT max(id) FROM run))"


def sample(url: str, n: int, size: int) -> list[tuple[str, str, str, int | None]]:
    """A night's pages for the KB of ``n`` entries at ``url``: (url, question, answer, copied entry),
    80% new answers, 20% near copies of random entries; the same pages for every measurement."""
    from sqlmodel import select

    from kb.db import session
    from kb.models import Version

    rng = random.Random(n)
    fresh = answers(seed=8)  # another stream than the KB's: new answers
    pages: list[tuple[str, str, str, int | None]] = []
    with session(url) as s:
        for k in range(size):
            if rng.random() < 0.2:
                i = rng.randrange(n)
                question, answer = s.exec(
                    select(Version.question, Version.answer).where(
                        Version.entry_id == entry_id(i), Version.number == 1
                    )
                ).one()
                pages.append((f"{CITY}/copy/{k}.html", question, copy_of(answer, rng), i))
            else:
                question, answer = next(fresh)
                pages.append((f"{PORTAL}/new/{k}.html", f"新{k}:{question}", answer, None))
    return pages


if (
    __name__ == "__main__"
):  # python -m bench.synthetic_kb N [sqlite|postgresql]: build (or find) it, print its URL
    print(_cached(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "sqlite"))
