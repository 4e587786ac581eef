"""`flask demo seed`: realistic demo data from real EU places, for development.

The data is built in parts. A part is a function `part(demo: Demo) -> None` that adds rows to
the session; seed_demo runs PARTS in order, all in one transaction (portal.core.transaction). To
add a part (the pledged actions of issue 3, say), write it in a module of its own and add it to
PARTS. A part can use:

- demo.rng: the random generator, seeded with RNG_SEED, so every run builds the same data;
- demo.today: the day the data is built for (dates are spread up to it);
- demo.accounts: the sign-in accounts printed at the end ("admin", "coordinator",
  "representative"), each with .user and .password;
- demo.coordinators: country code -> the coordinator who decides there (some countries have none);
- demo.members: the members (approved, on hold, suspended, withdrawn), in creation order;
- demo.applications: the pending applications (submitted, changes requested, draft) and the
  rejected ones;
- demo.take_place(country): a real place of that country not used yet.

Demo lives in portal/demo/context.py, so a part's module can import it without a cycle.
"""

import random
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from portal.core import transaction
from portal.core.transaction import atomic
from portal.demo.accounts import seed_accounts
from portal.demo.actions import seed_actions_part
from portal.demo.applications import seed_applications
from portal.demo.context import Demo
from portal.demo.lifecycle import seed_lifecycle
from portal.demo.members import seed_members
from portal.extensions import db
from portal.membership import documents
from portal.models import Member, User

RNG_SEED = 2018

Part = Callable[[Demo], None]
# The parts, in order: a part may use what the parts before it made.
PARTS: tuple[Part, ...] = (
    seed_accounts,
    seed_members,
    seed_applications,
    seed_actions_part,
    seed_lifecycle,
)


def database_is_empty() -> bool:
    """No member and no account yet: a fresh database the demo may fill."""
    return not db.session.scalar(select(func.count(Member.id))) and not db.session.scalar(
        select(func.count(User.id))
    )


@atomic
def seed_demo(today: date | None = None, rng_seed: int = RNG_SEED) -> Demo:
    """Build the demo data in one transaction; on failure nothing stays, not even files."""
    demo = Demo(rng=random.Random(rng_seed), today=today or date.today())
    transaction.on_rollback(lambda: _delete_documents(demo))
    for part in PARTS:
        part(demo)
    return demo


def _delete_documents(demo: Demo) -> None:
    for identifier in demo.document_ids:
        documents.delete(identifier)
