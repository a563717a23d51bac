"""confidence and the template-change alarm: how each version's answer was found, suspect versions

Revision ID: i13alarm_confidence
Revises: i16data_dead_links
Create Date: 2026-11-30 14:40:00

Issue 13 (3, 4): a version keeps its extraction method and confidence and may be held back as suspect;
runs and their sites count low-confidence and no-answer pages; a site's row of a run records its alarm;
extraction_note lists the pages behind those counts.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i13alarm_confidence'
down_revision = 'i16data_dead_links'
branch_labels = None
depends_on = None

COUNTS = ('low_confidence', 'no_answer')


def upgrade() -> None:
    for table in ('run', 'run_site'):
        with op.batch_alter_table(table) as batch:
            for name in COUNTS:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('run_site') as batch:
        batch.add_column(sa.Column('alarm', sa.Text(), nullable=True))
        batch.add_column(sa.Column('held', sa.String(), nullable=True))
    with op.batch_alter_table('version') as batch:
        batch.add_column(sa.Column('method', sa.String(), nullable=False, server_default=''))
        batch.add_column(sa.Column('confidence', sa.Float(), nullable=True))
        batch.add_column(sa.Column('held', sa.String(), nullable=True))
    op.create_index('ix_version_held', 'version', ['held'])
    op.create_index('ix_version_confidence', 'version', ['confidence'])  # the review queue's suspect group
    op.create_table(
        'extraction_note',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('run_id', sa.Integer(), sa.ForeignKey('run.id'), nullable=True),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('site', sa.String(), nullable=False, server_default='generic'),
        sa.Column('entry_id', sa.String(), nullable=True),
        sa.Column('question', sa.Text(), nullable=False, server_default=''),
        sa.Column('method', sa.String(), nullable=False, server_default=''),
        sa.Column('confidence', sa.Float(), nullable=False, server_default='0'),
        sa.Column('detail', sa.Text(), nullable=False, server_default=''),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_extraction_note_run', 'extraction_note', ['run_id', 'kind'])


def downgrade() -> None:
    op.drop_index('ix_extraction_note_run', 'extraction_note')
    op.drop_table('extraction_note')
    op.drop_index('ix_version_confidence', 'version')
    op.drop_index('ix_version_held', 'version')
    with op.batch_alter_table('version') as batch:
        for name in ('held', 'confidence', 'method'):
            batch.drop_column(name)
    with op.batch_alter_table('run_site') as batch:
        for name in ('held', 'alarm', *COUNTS):
            batch.drop_column(name)
    with op.batch_alter_table('run') as batch:
        for name in COUNTS:
            batch.drop_column(name)
