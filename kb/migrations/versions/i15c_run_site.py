"""a crawl run's counts and status by site (run_site), for crawls over many sites at once

Revision ID: i15c_run_site
Revises: i14a_editors_app
Create Date: 2026-12-10 10:00:00

Older runs have no rows here: they crawled one site (``run.site``) or did not say.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i15c_run_site'
down_revision = 'i14a_editors_app'
branch_labels = None
depends_on = None

COUNTS = (
    "fetched", "new", "changed", "unchanged", "not_modified", "gone", "failed",
    "robots_refused", "duplicates", "conflicts", "off_topic",
)


def upgrade() -> None:
    op.create_table(
        "run_site",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("run.id"), nullable=False),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.UniqueConstraint("run_id", "site"),
    )


def downgrade() -> None:
    op.drop_table("run_site")
