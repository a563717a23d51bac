"""Copies: exact (content hash) and near-duplicate (MinHash LSH over character shingles).

Chinese has no spaces, so the unit is the character: a text is the set of its ``SHINGLE``-character
runs (after normalization, with whitespace and punctuation dropped). Parameters were chosen on the
labelled pairs of ``bench/dedupe_pairs.json`` (``python -m bench dedupe``; BENCHMARKS.md):

- ``THRESHOLD``: exact Jaccard of the shingle sets at or above which two answers are one answer.
- LSH banding is set explicitly (``BANDS`` x ``ROWS`` = ``NUM_PERM``), not left to datasketch's
  default, whose S-curve at threshold 0.8 catches only ~40% of pairs at exactly 0.8: ours puts
  the curve's knee well below ``THRESHOLD`` so a pair at the threshold is a candidate with
  probability > 0.99; every candidate is then confirmed with the exact Jaccard.

The index lives in memory, one per database, rebuilt from ``Entry.minhash`` on first use and kept
current from the ``added``/``changed`` events (their ids only grow), so several processes sharing a
KB each see the others' entries without rebuilding.
"""

from __future__ import annotations

import gc
import re
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from sqlalchemy import func
from sqlmodel import Session, select

from kb.models import Entry, Event, Version
from kb.normalize import Normalized, normalize, normalized, numbers

SHINGLE = 3
NUM_PERM = 128
BANDS = 42
ROWS = 3  # 42 x 3 = 126 of the 128 permutations: P(candidate | J=0.5) = 0.996, P(J=0.1) = 0.04
THRESHOLD = 0.5
# Candidates whose signature estimate is this far below the lowest threshold are not worth an exact
# Jaccard (the estimate's standard error at 128 permutations is <= 0.045).
ESTIMATE_MARGIN = 0.15
# Same question (normalized) and at least this similar, but other numbers: a conflict, not noise.
CONFLICT_THRESHOLD = 0.3
SCHEME = "affine32"
SEED = 1
# Events re-read on every sync below the watermark: a rolled-back transaction's ids may be reused.
_SLACK = 64

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


def new_lsh(bands: int = BANDS, rows: int = ROWS, num_perm: int = NUM_PERM) -> MinHashLSH:
    """An LSH with the banding set explicitly (datasketch's threshold is unused when params are given)."""
    return MinHashLSH(num_perm=num_perm, params=(bands, rows))


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

    @property
    def question_key(self) -> int:
        return question_key(self.norm.question)


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


@dataclass
class Index:
    """The near-duplicate index of one database: entry id -> content hash, plus the LSH."""

    lsh: MinHashLSH = field(default_factory=new_lsh)
    hashes: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, np.ndarray] = field(default_factory=dict)
    questions: dict[str, int] = field(default_factory=dict)  # hash of the normalized question
    watermark: int = 0  # highest Event id read
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, entry_id: str, chash: str, mh: LeanMinHash, qkey: int = 0) -> None:
        if self.hashes.get(entry_id) == chash:
            return
        if entry_id in self.hashes:
            self.lsh.remove(entry_id)
        self.lsh.insert(entry_id, mh, check_duplication=False)
        self.hashes[entry_id] = chash
        self.signatures[entry_id] = np.asarray(mh.hashvalues)
        self.questions[entry_id] = qkey

    def candidates(self, mh: LeanMinHash, qkey: int = 0) -> list[tuple[str, float]]:
        """LSH candidates worth an exact Jaccard, with their signature estimate.

        Kept: estimated near the merge threshold, or near the conflict threshold with the same
        question (``qkey``: :func:`question_key`); the rest cannot pass either test (the estimate's
        error is well inside the margin).
        """
        keys = list(self.lsh.query(mh))
        if not keys:
            return []
        sigs = np.stack([self.signatures[k] for k in keys])
        estimates = (sigs == np.asarray(mh.hashvalues)).mean(axis=1)
        near, same_question = THRESHOLD - ESTIMATE_MARGIN, CONFLICT_THRESHOLD - ESTIMATE_MARGIN
        return sorted(
            (k, float(e))
            for k, e in zip(keys, estimates, strict=True)
            if e >= near or (e >= same_question and self.questions.get(k) == qkey)
        )

    def __len__(self) -> int:
        return len(self.hashes)


_INDEXES: dict[str, Index] = {}
_INDEXES_LOCK = threading.Lock()


def _db_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def index_for(session: Session) -> Index:
    """This database's index, current with what ``session`` can see."""
    key = _db_key(session)
    with _INDEXES_LOCK:
        index = _INDEXES.setdefault(key, Index())
    with index.lock:
        _sync(session, index)
    return index


def reset_indexes() -> None:
    """Forget every in-memory index (tests; a restored database)."""
    with _INDEXES_LOCK:
        _INDEXES.clear()


def _sync(session: Session, index: Index) -> None:
    top = session.exec(select(func.max(Event.id))).one() or 0
    if top < index.watermark:  # the database was replaced: start again
        index.lsh, index.hashes, index.signatures, index.questions, index.watermark = new_lsh(), {}, {}, {}, 0
    columns = (Entry.id, Entry.content_hash, Entry.minhash, Entry.question)
    if index.watermark == 0:
        rows = session.exec(select(*columns)).all()
    else:
        changed = (
            select(Event.entry_id)
            .where(Event.id > index.watermark - _SLACK, Event.kind.in_(("added", "changed")))
            .distinct()
        )
        rows = session.exec(select(*columns).where(Entry.id.in_(changed))).all()
    # A bulk load creates millions of small containers: the cyclic GC would rescan them over and
    # over for nothing (none form cycles); pausing it halves a 40k-entry rebuild.
    paused = gc.isenabled() and len(rows) > 1000
    if paused:
        gc.disable()
    try:
        for entry_id, chash, data, question in rows:
            if data and index.hashes.get(entry_id) != chash:  # re-read but unchanged: nothing to do
                index.put(entry_id, chash, from_bytes(data), question_key(normalize(question)))
    finally:
        if paused:
            gc.enable()
    index.watermark = max(index.watermark, top)


def question_key(normalized_question: str) -> int:
    """Entries whose questions normalize alike share a key (a conflict needs the same question)."""
    return hash(normalized_question)


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
    index = index_for(session)

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

    return judge(mine, index.candidates(mine.minhash, mine.question_key), load)


def remember(session: Session, entry_id: str, mine: Signature) -> None:
    """Put an entry's new content in this process's index at once (the events catch up the others)."""
    index = index_for(session)
    with index.lock:
        index.put(entry_id, mine.norm.content_hash, mine.minhash, mine.question_key)
