"""The search index of the public directory: one row per public member with every name it is
known by, folded (portal.core.folding.fold).

`names` holds the member's own name and, for a member chosen from the gazetteer, the GeoNames
name and every alternate name of its place, each folded, between bars: "|copenhagen|kobenhavn|
kopenhagen|...|". `region` is the folded region, `country` the member's.
portal.membership.search_index keeps the rows in step with the members, in the transaction that
changes them.

The words are found through an index the models do not describe, created by the migration
0007_search: on SQLite the FTS5 table member_search_fts (external content, kept by triggers);
on PostgreSQL a GIN index over to_tsvector('simple', names || ' ' || region). Both find words
by their start ("lodz" and "lod" find "lodz"). NOT_IN_MODELS names them for the schema
comparison of autogenerate and of the tests.
"""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base

# The words' index, as the migration creates it (SQLite, PostgreSQL).
FTS_TABLE = "member_search_fts"
FTS_INSERT_TRIGGER = "member_search_ai"
PG_DOCUMENT = "to_tsvector('simple', names || ' ' || region)"
PG_INDEX = "ix_member_search_document"
NOT_IN_MODELS = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "docsize", "config", "content")),
        PG_INDEX,
    }
)


def include_name(name, type_, parent_names) -> bool:
    """For Alembic: leave out the words' index, which the migration alone describes."""
    return name not in NOT_IN_MODELS


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic, as include_name."""
    return name not in NOT_IN_MODELS


class MemberSearch(Base):
    __tablename__ = "member_search"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    names: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(Text, default="")
    # The member's country: on PostgreSQL a search within countries keeps only their matches
    # before it looks the members up (migration 0014).
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
