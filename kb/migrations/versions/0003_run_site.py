"""run_site: each site's share of a run (counts, errors, ok or failed)

Revision ID: 0003_run_site
Revises: i14a_editors_app
Create Date: 2026-11-30 13:00:00

A crawl may cover many sites at once; one site's failure must show as that site's, not the run's.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_run_site'
down_revision = 'i14a_editors_app'
branch_labels = None
depends_on = None

COUNTS = ('fetched', 'new', 'changed', 'unchanged', 'not_modified', 'gone', 'failed', 'robots_refused',
          'duplicates', 'conflicts', 'off_topic')


def upgrade() -> None:
    op.create_table(
        'run_site',
        sa.Column('run_id', sa.Integer(), sa.ForeignKey('run.id'), primary_key=True),
        sa.Column('site', sa.String(length=200), primary_key=True),
        sa.Column('status', sa.String(), nullable=False, server_default='running'),
        sa.Column('reason', sa.Text(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default='0') for name in COUNTS),
        sa.Column('errors', sa.Text(), nullable=False, server_default='{}'),
    )


def downgrade() -> None:
    op.drop_table('run_site')
