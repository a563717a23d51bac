"""entry_band: the near-duplicate index (LSH bands of each entry's MinHash) in the KB; ix_page_due

Revision ID: i15dedupe_bands
Revises: i13alarm_confidence
Create Date: 2026-11-30 15:00:00

Until now every process rebuilt an in-memory LSH index from ``entry.minhash``. The bands move into
the database; this fills them from the stored signatures, a batch of entries at a time (keyset on
the id), so it runs in bounded memory on a KB of any size. ix_page_due (next_due, url) lets the
refresh read the pages due in order, a batch at a time.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i15dedupe_bands'
down_revision = 'i13alarm_confidence'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from kb.dedupe import band_keys, from_bytes  # the banding the running code looks up

    op.create_table(
        'entry_band',
        sa.Column('band', sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column('hash', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('entry_id', sa.String(length=32), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_page_due', 'page', ['next_due', 'url'])  # the refresh's walk over due pages
    bind = op.get_bind()
    entry = sa.table('entry', sa.column('id', sa.String()), sa.column('minhash', sa.LargeBinary()))
    band = sa.table(
        'entry_band', sa.column('band', sa.SmallInteger()), sa.column('hash', sa.BigInteger()),
        sa.column('entry_id', sa.String()),
    )
    last = ''
    while True:
        rows = bind.execute(
            sa.select(entry.c.id, entry.c.minhash)
            .where(entry.c.id > last, entry.c.minhash.is_not(None))
            .order_by(entry.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            band.insert(),
            [
                {'band': b, 'hash': h, 'entry_id': entry_id}
                for entry_id, data in rows
                for b, h in band_keys(from_bytes(data).hashvalues)
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index('ix_page_due', table_name='page')
    op.drop_table('entry_band')
