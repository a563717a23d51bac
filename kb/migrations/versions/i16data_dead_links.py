"""dead_links: a run's (and each site's) count of links that answered 404/410 and never 200

Revision ID: i16data_dead_links
Revises: 0003_run_site
Create Date: 2026-11-30 15:40:00

A link to a page that never existed (or was removed before the KB saw it) is a dead link, not a fault:
counted on its own, so a site full of them is not a failed crawl. The URLs are page rows with status
``dead`` (no schema change for those).
"""
from alembic import op
import sqlalchemy as sa


revision = 'i16data_dead_links'
down_revision = '0003_run_site'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('run', 'run_site'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('dead_links', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in ('run', 'run_site'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('dead_links')
