"""The demo's life-cycle: members held by the daily job (warned two weeks before), and requests
for more time, waiting and answered, in the demo coordinator's countries.

Built through the services (portal.pledges.extensions), so the audit trail and the outbox hold
what the real requests would leave.
"""

from datetime import timedelta

from portal.demo.accounts import DEMO_COORDINATOR_COUNTRIES
from portal.demo.context import Demo
from portal.extensions import db
from portal.models import ReminderSent, utcnow
from portal.models.members import APPROVED, ON_HOLD
from portal.pledges import extensions, holds
from portal.pledges.followup import commitments_of_members

REASONS = (
    "The council elections in spring postponed the committee that adopts the plan.",
    "Our supplier for the bollards went bankrupt; a new tender is under way.",
    "The station's owner asked to review the design with us before we report.",
)


def seed_lifecycle(demo: Demo) -> None:
    """The demo part (portal.demo.seed.PARTS)."""
    coordinator = demo.coordinators.get(DEMO_COORDINATOR_COUNTRIES[0])
    public = [m for m in demo.members if m.status in (APPROVED, ON_HOLD)]
    states = commitments_of_members(public, demo.today)
    # The daily job's holds: some active members late beyond the grace period were warned
    # (the warning's record is dated back) and are held by the job's run of today.
    grace, warning = holds.grace_days(), holds.warning_days()
    overdue = [
        m
        for m in public
        if m.status == APPROVED
        and m.representatives
        and states[m.id].days_late > grace
        and m.country not in DEMO_COORDINATOR_COUNTRIES
    ]
    warned_at = utcnow() - timedelta(days=warning + 1)
    for member in overdue[::3][:8]:
        late = holds.oldest_late(states[member.id])
        key = f"hold-warning:{member.id}:{late.deadline_key(member.id)}"
        db.session.add(ReminderSent(key=key, member_id=member.id, sent_at=warned_at))
    db.session.flush()
    holds.apply_holds(demo.today)
    if coordinator is None:
        return
    late = [
        m
        for m in public
        if m.status == APPROVED
        and m.country in DEMO_COORDINATOR_COUNTRIES
        and m.representatives
        and not states[m.id].on_track
        and states[m.id].days_late < 150  # more time can still help
    ]
    for n, member in enumerate(late[:4]):
        obligation = holds.oldest_late(states[member.id])
        until = min(
            demo.today + timedelta(days=demo.rng.randint(45, 120)),
            extensions.latest_allowed(obligation),
        )
        if until <= obligation.due_on:
            continue
        extension = extensions.request_extension(
            member.representatives[0].user,
            member,
            obligation.deadline_key(member.id),
            until,
            REASONS[n % len(REASONS)],
        )
        if n == 3:  # one answered already
            extensions.decide_extension(
                coordinator, extension, True, until, "Granted: please report by the new date."
            )
    db.session.flush()
