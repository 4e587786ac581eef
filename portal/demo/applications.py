"""Demo part: applications waiting for a decision, sent back for changes, still in draft, and a
few rejected; each with its council decision as a real PDF."""

from datetime import timedelta

from portal.demo.accounts import DEMO_COORDINATOR_COUNTRIES
from portal.demo.context import Demo
from portal.demo.members import (
    COMMENTS,
    later,
    move,
    new_application,
    new_representative,
    submit_and_decide,
)
from portal.extensions import db
from portal.models.members import CHANGES_REQUESTED, DRAFT, REJECTED, SUBMITTED
from portal.models.users import User

# How many of each, in the demo coordinator's countries and elsewhere.
PENDING = {
    SUBMITTED: (6, 10),
    CHANGES_REQUESTED: (2, 4),
    DRAFT: (1, 4),
    REJECTED: (1, 2),
}
REJECTIONS = (
    "The uploaded document is not a decision of the municipal council.",
    "The applicant is a regional authority, not a municipality; regions support their "
    "municipalities as coordinators instead.",
)


def add_application(demo: Demo, country: str, status: str, representative: User | None = None):
    """An application of a real place in this country, brought to `status`."""
    place = demo.take_place(country)
    # Recent: decided by the council in the last months.
    decided_on = demo.today - timedelta(days=demo.rng.randint(20, 150))
    representative = representative or new_representative(demo, place, decided_on)
    member = new_application(demo, place, representative, decided_on)
    if status == DRAFT:
        member.commitments_accepted_at = None  # not yet ticked: the draft is unfinished
    elif status == SUBMITTED:
        move(member, SUBMITTED, representative, later(demo, member.created_at, 10))
    elif status == CHANGES_REQUESTED:
        move(member, SUBMITTED, representative, later(demo, member.created_at, 10))
        comment = demo.rng.choice(COMMENTS[CHANGES_REQUESTED])
        coordinator = demo.coordinators.get(country)
        move(member, CHANGES_REQUESTED, coordinator, later(demo, member.submitted_at, 10), comment)
    elif status == REJECTED:
        reason = demo.rng.choice(REJECTIONS)
        submit_and_decide(demo, member, representative, REJECTED, reason)
    demo.applications.append(member)
    return member


def seed_applications(demo: Demo) -> None:
    others = sorted(set(demo.coordinators) - set(DEMO_COORDINATOR_COUNTRIES) | {"CY", "LU"})
    for status, (at_home, elsewhere) in PENDING.items():
        for n in range(at_home):
            add_application(demo, DEMO_COORDINATOR_COUNTRIES[n % 3], status)
        for _ in range(elsewhere):
            add_application(demo, demo.rng.choice(others), status)
    # The demo representative waits for the demo coordinator's decision on a second municipality.
    add_application(demo, "AT", SUBMITTED, demo.accounts["representative"].user)
    db.session.flush()
