"""Test data: a person who left a trace in every table that can refer to them."""

from dataclasses import dataclass
from datetime import timedelta

from portal.extensions import db
from portal.models import (
    ActionComment,
    CouncilDecision,
    Invitation,
    Member,
    OutboxMail,
    StatusChange,
    User,
    utcnow,
)
from tests.factories import (
    make_action,
    make_coordinator,
    make_council_decision,
    make_member,
    make_update,
    make_user,
)


@dataclass
class Footprint:
    rep: User
    coordinator: User
    colleague: User
    member: Member
    shared: Member
    draft: Member
    decision: CouncilDecision


def make_footprint() -> Footprint:
    """A representative and a coordinator (DE) who did a bit of everything."""
    rep = make_user(name="Anna Officer", email="anna@musterstadt.example.eu", locale="de")
    colleague = make_user(name="Ben Colleague", email="ben@musterstadt.example.eu")
    coordinator = make_coordinator(
        "DE", name="Clara Coordinator", email="clara@ministry.example.eu"
    )
    member = make_member(
        name="Musterstadt",
        representatives=[rep],
        created_by_id=rep.id,
        contact_name="Anna Officer",
        contact_email="anna@musterstadt.example.eu",
        contact_phone="+49 30 1234567",
    )
    shared = make_member(
        name="Beispielheim",
        representatives=[rep, colleague],
        created_by_id=colleague.id,
        contact_name="Anna Officer",
        contact_email="anna@musterstadt.example.eu",
        contact_phone="+49 30 7654321",
    )
    draft = make_member(
        name="Entwurfsdorf",
        status="draft",
        representatives=[rep],
        created_by_id=rep.id,
        contact_name="Anna Officer",
        contact_email="anna@musterstadt.example.eu",
    )
    decision = make_council_decision(draft)
    decision.uploaded_by_id = rep.id
    first = make_council_decision(member)
    first.uploaded_by_id = rep.id
    action = make_action(member, created_by_id=rep.id, good_practice=True)
    action.good_practice_by_id = coordinator.id
    action.good_practice_at = utcnow()
    make_update(action, text="Report on the planters.", author_id=rep.id)
    now = utcnow()
    db.session.add_all(
        [
            StatusChange(
                member_id=member.id,
                actor_id=rep.id,
                from_status="draft",
                to_status="submitted",
                comment="Submitted for review.",
            ),
            StatusChange(
                member_id=member.id,
                actor_id=coordinator.id,
                from_status="submitted",
                to_status="approved",
                comment="Welcome!",
            ),
            ActionComment(action_id=action.id, author_id=coordinator.id, body="Well done."),
            Invitation(
                member_id=member.id,
                email="dora@musterstadt.example.eu",
                token_hash="a" * 64,
                invited_by_id=rep.id,
                created_at=now,
                expires_at=now + timedelta(days=14),
            ),
            Invitation(
                member_id=shared.id,
                email=rep.email,
                token_hash="b" * 64,
                invited_by_id=colleague.id,
                created_at=now - timedelta(days=3),
                expires_at=now + timedelta(days=11),
                accepted_at=now - timedelta(days=2),
                accepted_by_id=rep.id,
            ),
            OutboxMail(recipient=rep.email, subject="Welcome, Anna", body="Hello Anna Officer"),
            OutboxMail(recipient=coordinator.email, subject="New application", body="Hello Clara"),
        ]
    )
    db.session.commit()
    return Footprint(rep, coordinator, colleague, member, shared, draft, decision)
