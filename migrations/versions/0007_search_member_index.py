"""member_search: the directory's search index (every folded name of each public member)

Revision ID: 0007_search
Revises: 0006_review
Create Date: 2026-12-01 15:00:00.000000

On SQLite the words are indexed by the FTS5 table member_search_fts, whose content is
member_search (external content) and which triggers keep in step. On PostgreSQL a GIN index
over to_tsvector('simple', names || ' ' || region) does it: word-start (prefix) matching as
FTS5 does, built in, no extension needed. fastupdate is off: with it, new entries wait in a
pending list that every search reads through until VACUUM (8 ms instead of 0.1 ms per search
after the scale seed); members change rarely, searches are many. The rows are filled from the members already public
(their own folded name and region; `flask search reindex` adds their gazetteer names).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_search'
down_revision = '0006_review'
branch_labels = None
depends_on = None

PUBLIC_SQL = "status IN ('approved', 'on_hold')"


def upgrade():
    op.create_table(
        'member_search',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('names', sa.Text(), nullable=False),
        sa.Column('region', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['member_id'], ['members.id'],
            name=op.f('fk_member_search_member_id_members'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_search')),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE member_search_fts USING fts5("
            "names, region, content='member_search', content_rowid='member_id')"
        )
        op.execute(
            "CREATE TRIGGER member_search_ai AFTER INSERT ON member_search BEGIN "
            "INSERT INTO member_search_fts(rowid, names, region) "
            "VALUES (new.member_id, new.names, new.region); END"
        )
        op.execute(
            "CREATE TRIGGER member_search_ad AFTER DELETE ON member_search BEGIN "
            "INSERT INTO member_search_fts(member_search_fts, rowid, names, region) "
            "VALUES ('delete', old.member_id, old.names, old.region); END"
        )
        op.execute(
            "CREATE TRIGGER member_search_au AFTER UPDATE ON member_search BEGIN "
            "INSERT INTO member_search_fts(member_search_fts, rowid, names, region) "
            "VALUES ('delete', old.member_id, old.names, old.region); "
            "INSERT INTO member_search_fts(rowid, names, region) "
            "VALUES (new.member_id, new.names, new.region); END"
        )
    elif bind.dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_member_search_document ON member_search "
            "USING gin (to_tsvector('simple', names || ' ' || region)) "
            "WITH (fastupdate = off)"
        )
    # Members public already: their own name and region (the keys are folded already).
    op.execute(
        "INSERT INTO member_search (member_id, names, region) "
        "SELECT id, '|' || name_key || '|', region_key FROM members WHERE " + PUBLIC_SQL
    )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for trigger in ('member_search_ai', 'member_search_ad', 'member_search_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS member_search_fts")
    op.drop_table('member_search')
