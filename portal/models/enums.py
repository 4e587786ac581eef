"""States, roles and decisions as enums that carry the label users see.

Each member is declared with its stored string and its (lazily translated) label:

    class MemberStatus(LabelledEnum):
        DRAFT = "draft", _l("Draft")

A member is a `str` equal to its stored string, so comparisons with data read elsewhere (the
public cache, a form, JSON) keep working. `EnumString` stores one in a plain string column and
reads it back as the member, so `member.status.label` works on every loaded row.
"""

from enum import StrEnum
from typing import Self

from sqlalchemy import String, event
from sqlalchemy.orm import Mapper
from sqlalchemy.types import TypeDecorator


class LabelledEnum(StrEnum):
    """A StrEnum whose members are declared as `NAME = "stored value", _l("Label")`."""

    _label: object

    def __new__(cls, value: str, label: object):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self):
        """The label in the current language (a lazy string: safe in forms built at import)."""
        return self._label

    @classmethod
    def get(cls, value: object) -> Self | None:
        """The member stored as `value`, or None when it is none of them (say, bad form input)."""
        return cls._value2member_map_.get(value) if isinstance(value, str) else None

    @classmethod
    def choices(cls, members=None) -> list[tuple[str, object]]:
        """(value, label) pairs for a form field, of `members` (all of them by default)."""
        return [(m.value, m.label) for m in (cls if members is None else members)]


class EnumString(TypeDecorator):
    """A LabelledEnum stored as its string value; read back as the enum member.

    Storing a string that is not one of the enum's values is refused, so a typo cannot reach the
    database.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[LabelledEnum], length: int = 20):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return self.enum(value).value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.enum(value)


def _coerce(enum: type[LabelledEnum]):
    def on_set(target, value, oldvalue, initiator):
        return value if value is None else enum(value)

    return on_set


@event.listens_for(Mapper, "mapper_configured")
def _coerce_on_assignment(mapper: Mapper, class_: type) -> None:
    """`member.status = "approved"` holds MemberStatus.APPROVED at once, not only once reloaded."""
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        if isinstance(column_type, EnumString):
            event.listen(getattr(class_, prop.key), "set", _coerce(column_type.enum), retval=True)
