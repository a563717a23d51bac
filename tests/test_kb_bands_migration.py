"""Migration i15dedupe_bands: a KB made before the band table gets its bands from ``Entry.minhash``."""

from __future__ import annotations

import random
from datetime import datetime

from alembic import command
from sqlalchemy import create_engine, func, insert, select

from kb import dedupe
from kb.db import alembic_config
from kb.db import session as kb_session
from kb.ingest import ingest
from kb.models import Entry, EntryBand, Version
from kb.normalize import normalized
from tests.test_kb_helpers import CITY, PORTAL, seed, snap

OLD_ENTRIES = 5_001  # one more than a batch of the migration: the keyset paging goes round twice


def test_an_old_kb_gets_the_bands_of_every_entry_and_finds_its_copies(db_url: str) -> None:
    command.upgrade(alembic_config(db_url), "i13alarm_confidence")  # the KB as it was, just before the bands
    q, a, _ = seed(1)
    sig = dedupe.signature(normalized(q, a))
    rng = random.Random(15)
    t = datetime(2026, 1, 5)
    rows = [
        dict(id=f"e{i:015x}", question=f"问题{i}", canonical_url=f"{PORTAL}/ask/{i}.html", version=1,
             content_hash=f"{i:064x}", minhash=rng.randbytes(4 * dedupe.NUM_PERM), first_seen=t,
             updated_at=t, last_seen=t, site="sample-portal", status="active", is_medical_insurance=True)
        for i in range(OLD_ENTRIES)
    ]  # fmt: skip
    rows[7].update(question=q, minhash=dedupe.to_bytes(sig.minhash), content_hash=sig.norm.content_hash)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(insert(Entry.__table__), rows)
        conn.execute(insert(Entry.__table__), [dict(rows[0], id="enominhash", minhash=None)])
        conn.execute(
            insert(Version.__table__),
            [dict(entry_id=rows[7]["id"], number=1, question=q, answer=a, answer_blocks="[]",
                  content_hash=sig.norm.content_hash, source_url=rows[7]["canonical_url"], created_at=t,
                  has_verification_disclaimer=False, has_medical_tip=False, is_medical_insurance=True,
                  extractor_version="old")],
        )  # fmt: skip
    engine.dispose()

    with kb_session(db_url) as s:  # opening the KB migrates it
        assert s.exec(select(func.count()).select_from(EntryBand)).one()[0] == OLD_ENTRIES * dedupe.BANDS
        mine = s.exec(select(EntryBand.band, EntryBand.hash).where(EntryBand.entry_id == rows[7]["id"])).all()
        assert sorted(mine) == sorted(sig.bands)
        copy = a.replace("主要体现在以下几个方面", "主要有以下几个方面")
        result = ingest(s, snap(f"{CITY}/zcwd/s001.html", q, copy), None)
        assert (result.outcome, result.entry_id) == ("duplicate", rows[7]["id"])
