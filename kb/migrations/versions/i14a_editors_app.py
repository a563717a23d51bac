"""editors' app: accounts, the action log, queue indexes, full-text search

Revision ID: i14a_editors_app
Revises: 0001
Create Date: 2026-12-01 10:00:00

Search is per dialect: SQLite gets an FTS5 table with the trigram tokenizer over the version table
(external content, filled by a trigger on every new version, so ingest keeps it current); PostgreSQL
gets pg_trgm GIN indexes on the version's question and answer. Without FTS5 trigram (SQLite < 3.34)
or the pg_trgm extension, search still answers (a plain scan, same results), only slower.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i14a_editors_app'
down_revision = '0001'
branch_labels = None
depends_on = None


def _sqlite_search() -> None:
    bind = op.get_bind()
    try:
        bind.exec_driver_sql(
            "CREATE VIRTUAL TABLE version_fts USING fts5("
            "question, answer, content='version', content_rowid='id', tokenize='trigram')"
        )
    except sa.exc.OperationalError:  # no FTS5 trigram in this SQLite: kb.search scans instead
        return
    bind.exec_driver_sql(
        "CREATE TRIGGER version_fts_insert AFTER INSERT ON version BEGIN "
        "INSERT INTO version_fts(rowid, question, answer) VALUES (new.id, new.question, new.answer); END"
    )
    bind.exec_driver_sql(
        "CREATE TRIGGER version_fts_delete AFTER DELETE ON version BEGIN "
        "INSERT INTO version_fts(version_fts, rowid, question, answer) "
        "VALUES ('delete', old.id, old.question, old.answer); END"
    )
    bind.exec_driver_sql("INSERT INTO version_fts(version_fts) VALUES ('rebuild')")


def _postgres_search() -> None:
    bind = op.get_bind()
    nested = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:  # not allowed to create extensions here: kb.search scans instead
        nested.rollback()
        return
    nested.commit()
    for column in ("question", "answer"):
        op.execute(f"CREATE INDEX ix_version_{column}_trgm ON version USING gin ({column} gin_trgm_ops)")


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('by', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_action_entry', 'action', ['entry_id', 'id'], unique=False)
    op.create_index('ix_action_kind', 'action', ['kind', 'id'], unique=False)
    op.create_index('ix_event_queue', 'event', ['kind', 'id'], unique=False)
    op.create_index('ix_flag_queue', 'flag', ['name', 'cleared_at', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _sqlite_search()
    elif dialect == 'postgresql':
        _postgres_search()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS version_fts_insert")
        op.execute("DROP TRIGGER IF EXISTS version_fts_delete")
        op.execute("DROP TABLE IF EXISTS version_fts")
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_version_question_trgm")
        op.execute("DROP INDEX IF EXISTS ix_version_answer_trgm")
    op.drop_index('ix_flag_queue', table_name='flag')
    op.drop_index('ix_event_queue', table_name='event')
    op.drop_index('ix_action_kind', table_name='action')
    op.drop_index('ix_action_entry', table_name='action')
    op.drop_table('action')
    op.drop_table('account')
