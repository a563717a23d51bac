"""Copies: exact (content hash) and near-duplicate (MinHash LSH over character shingles).

Chinese has no spaces, so the unit is the character: a text is the set of its ``SHINGLE``-character
runs (after normalization, with whitespace and punctuation dropped). Parameters were chosen on the
labelled pairs of ``bench/dedupe_pairs.json`` (``python -m bench dedupe``; BENCHMARKS.md):

- ``THRESHOLD``: exact Jaccard of the shingle sets at or above which two answers are one answer.
- LSH banding is set explicitly (``BANDS`` x ``ROWS`` <= ``NUM_PERM``), for the database: each band
  is a row of ``entry_band`` per entry, and every random band collision a candidate row read for
  every page ingested, a number that grows with the KB (templated answers share whole sentences).
  32 x 4 keeps the labelled pairs' recall (every ``same`` pair at or above ``THRESHOLD`` is a
  candidate) with ~10x fewer raw candidates than 42 x 3 and 5x fewer than 20 x 3 (3 vs 28 and 15
  per answer over 20k synthetic answers): P(candidate | J=0.5) = 0.87, J=0.6: 0.99, J=0.7: 0.9997
  (BENCHMARKS.md). Every candidate is then confirmed with the exact Jaccard.

The index lives in the KB: each entry's bands are rows of ``entry_band`` (``kb.models.EntryBand``),
written in the entry's transaction, so every process sees every committed entry without building
anything; a candidate search is one indexed lookup per band, all in one query.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
from datasketch import LeanMinHash, MinHash
from sqlalchemy import TextClause, insert, text
from sqlmodel import Session, select

from kb.models import Entry, EntryBand, Version
from kb.normalize import Normalized, normalize, normalized, numbers

SHINGLE = 3
NUM_PERM = 128
BANDS = 32
ROWS = 4  # 32 x 4 = the 128 permutations: P(candidate | J=0.5) = 0.87, J=0.6: 0.99, P(J=0.1) = 0.003
THRESHOLD = 0.5
# Candidates whose signature estimate is this far below the lowest threshold are not worth an exact
# Jaccard (the estimate's standard error at 128 permutations is <= 0.045).
ESTIMATE_MARGIN = 0.15
# Same question (normalized) and at least this similar, but other numbers: a conflict, not noise.
CONFLICT_THRESHOLD = 0.3
SCHEME = "affine32"
SEED = 1

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The set of ``k``-character runs of the normalized text, whitespace and punctuation removed."""
    return _runs(normalize(text), k)


def _runs(normalized_text: str, k: int = SHINGLE) -> set[str]:
    """:func:`shingles` of a text already normalized."""
    flat = _DROP.sub("", normalized_text)
    if len(flat) <= k:
        return {flat} if flat else set()
    return {flat[i : i + k] for i in range(len(flat) - k + 1)}


def dedupe_text(question: str, answer: str) -> str:
    """What two entries are compared on: question and answer together."""
    return f"{question}\n{answer}"


def jaccard(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def minhash(shingle_set: AbstractSet[str], num_perm: int = NUM_PERM) -> LeanMinHash:
    """The signature of a shingle set. CRC-32 as the base hash: stable across processes (stored in
    ``Entry.minhash``), twice as fast as datasketch's SHA-1 default, and the affine permutations
    mix it; distinct 3-character shingles practically never collide."""
    m = MinHash(
        num_perm=num_perm, seed=SEED, scheme=SCHEME, permutations=_permutations(num_perm), hashfunc=zlib.crc32
    )
    m.update_batch([s.encode("utf-8") for s in shingle_set])
    return LeanMinHash(m)


def to_bytes(m: LeanMinHash) -> bytes:
    return np.asarray(m.hashvalues, dtype="<u4").tobytes()


def from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(data, dtype="<u4").copy(), scheme=SCHEME)


def band_keys(hashvalues: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> list[tuple[int, int]]:
    """The signature's LSH bands as (band, key): a signed 64-bit digest of the band's ``rows`` values,
    salted with the band number so that a key names its band alone (it is also the band's lock key,
    ``kb.locks.lock_dedupe``)."""
    sig = np.asarray(hashvalues, dtype="<u4")
    return [
        (
            b,
            int.from_bytes(
                hashlib.blake2b(
                    sig[b * rows : (b + 1) * rows].tobytes(), digest_size=8, salt=b.to_bytes(2, "little")
                ).digest(),
                "little",
                signed=True,
            ),
        )
        for b in range(bands)
    ]


def materially_different(a: str, b: str) -> bool:
    """Each side states a number (amount, percentage, year) the other does not: a replaced figure.

    A copy that only drops a sentence (and its number) is still a copy.
    """
    return _replaced(numbers(a), numbers(b))


def _replaced(a: Sequence[str], b: Sequence[str]) -> bool:
    """:func:`materially_different` on the numbers of each side."""
    na, nb = Counter(a), Counter(b)
    return bool(na - nb) and bool(nb - na)


@dataclass(frozen=True)
class Signature:
    """What the near-duplicate search reads of one page's normalized content, computed once."""

    norm: Normalized
    shingles: frozenset[str]
    minhash: LeanMinHash

    @cached_property
    def bands(self) -> list[tuple[int, int]]:
        return band_keys(self.minhash.hashvalues)


def signature(norm: Normalized) -> Signature:
    sh = frozenset(_runs(norm.text))
    return Signature(norm, sh, minhash(sh))


@dataclass
class Match:
    """What a new answer is to the KB: a copy (exact / near) of an entry, or a conflict with one."""

    kind: str  # exact | near | conflict
    entry_id: str
    similarity: float
    url: str = ""


@cache
def _band_sql(bands: int) -> tuple[TextClause, TextClause]:
    """The candidate query and the band delete. The band lookup ("any of these (band, hash)") is a
    range of the primary key per band, OR-ed (SQLite: a multi-index OR; PostgreSQL: a BitmapOr).
    Text, made once: building it as an expression for every page cost more than running it."""
    hit = " OR ".join(f"(band = {b} AND hash = :h{b})" for b in range(bands))
    return (
        text(
            "SELECT id, minhash, question FROM entry WHERE status != 'gone' AND minhash IS NOT NULL "
            f"AND id IN (SELECT entry_id FROM entry_band WHERE {hit})"
        ),
        text(f"DELETE FROM entry_band WHERE entry_id = :entry_id AND ({hit})"),
    )


def _hashes(bands: list[tuple[int, int]]) -> dict[str, int]:
    return {f"h{b}": h for b, h in bands}


def candidates(session: Session, mine: Signature) -> list[tuple[str, float]]:
    """Entries sharing a band with ``mine`` that are worth an exact Jaccard, with their signature estimate.

    One query: the band lookups, joined to the candidates' stored signatures. Kept: estimated near
    the merge threshold, or near the conflict threshold with the same question; the rest cannot pass
    either test (the estimate's error is well inside the margin).
    """
    rows = session.execute(_band_sql(len(mine.bands))[0], _hashes(mine.bands)).all()
    if not rows:
        return []
    sigs = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4").reshape(len(rows), -1)
    estimates = (sigs == np.asarray(mine.minhash.hashvalues)).mean(axis=1)
    near, same_question = THRESHOLD - ESTIMATE_MARGIN, CONFLICT_THRESHOLD - ESTIMATE_MARGIN
    return sorted(
        (entry_id, float(e))
        for (entry_id, _, question), e in zip(rows, estimates, strict=True)
        if e >= near or (e >= same_question and normalize(question) == mine.norm.question)
    )


def store_bands(session: Session, entry_id: str, previous: bytes | None, mine: Signature) -> None:
    """Make ``mine``'s bands the entry's, replacing those of its ``previous`` signature (if any)."""
    if previous:
        old = band_keys(from_bytes(previous).hashvalues)
        session.execute(_band_sql(len(old))[1], {"entry_id": entry_id, **_hashes(old)})
    session.execute(
        insert(EntryBand.__table__), [{"band": b, "hash": h, "entry_id": entry_id} for b, h in mine.bands]
    )


def judge(
    mine: Signature,
    candidates: list[tuple[str, float]],
    load: Callable[[str], tuple[str, str, str] | None],
) -> Match | None:
    """Confirm candidates with the exact Jaccard: the best copy, else the closest conflict.

    ``load(key)`` gives a candidate's current (question, answer, url), or None when it is not a
    live entry. A copy is at least ``THRESHOLD`` similar without a replaced figure; a conflict is
    that similar with one, or at least ``CONFLICT_THRESHOLD`` similar to the same question.
    """
    best: Match | None = None
    conflict: Match | None = None
    for key, _estimate in candidates:
        current = load(key)
        if current is None:
            continue
        other_q, other_a, url = current
        other = normalized(other_q, other_a)
        similarity = jaccard(mine.shingles, _runs(other.text))
        replaced = _replaced(mine.norm.numbers, other.numbers)
        if similarity >= THRESHOLD and not replaced:
            if best is None or similarity > best.similarity:
                best = Match("near", key, similarity, url)
        elif replaced and (
            similarity >= THRESHOLD
            or (similarity >= CONFLICT_THRESHOLD and other.question == mine.norm.question)
        ):
            if conflict is None or similarity > conflict.similarity:
                conflict = Match("conflict", key, similarity, url)
    return best or conflict


def find_match(session: Session, mine: Signature, *, exclude: str | None = None) -> Match | None:
    """The entry a page's content (``mine``) copies (exact first, then near), or conflicts with.

    Gone entries are never matched: a removed answer that reappears elsewhere is a new entry.
    """
    chash = mine.norm.content_hash
    exact = session.exec(
        select(Entry)
        .join(Version, (Version.entry_id == Entry.id) & (Version.number == Entry.version))
        .where(Version.content_hash == chash, Entry.status != "gone")
        .order_by(Entry.first_seen, Entry.id)
    ).first()
    if exact is not None and exact.id != exclude:
        return Match("exact", exact.id, 1.0, exact.canonical_url)

    def load(entry_id: str) -> tuple[str, str, str] | None:
        entry = session.get(Entry, entry_id)
        if entry is None or entry.status == "gone" or entry_id == exclude:
            return None
        row = session.exec(
            select(Version.question, Version.answer).where(
                Version.entry_id == entry.id, Version.number == entry.version
            )
        ).first()
        return (row[0], row[1], entry.canonical_url) if row else None

    return judge(mine, candidates(session, mine), load)
