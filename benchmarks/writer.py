"""The writer of `benchmarks/run.py --writes N`: real changes through the portal's services,
committed one by one, at N a second, while the public pages are measured.

    python benchmarks/writer.py --rate 5 --switch FILE [--seconds S]

It works only while FILE exists, so run.py can interleave rounds with writes and quiet rounds
without restarting it. What it writes, as the people of a deadline day do:
  - a progress update on a random published action (most writes), through
    portal.pledges.service.add_progress, as a representative of the member;
  - now and then a change to an action's details (its partners and budget) through
    update_action;
  - every few seconds a new municipality: an application with its council decision, submitted
    by a representative and approved by the coordinator of its country (membership and review
    services), which adds a member to the directory, the map and the statistics.

Set-up (the writer's representative on a few hundred members, an action on each, a coordinator
for every country) is made once per database and reused; it is not measured. On exit it prints
what it wrote.
"""

import argparse
import io
import random
import signal
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WRITER_EMAIL = "writer@benchmark.example.org"
COORDINATOR_EMAIL = "coordinator@benchmark.example.org"
PASSWORD = "quiet harbour lanterns 7319"  # noqa: S105 (a throwaway benchmark account)
MEMBERS = 300
NEW_MEMBER_EVERY = 3.0  # seconds
DETAILS_SHARE = 0.15

_stop = False


def _on_term(signum, frame) -> None:
    global _stop
    _stop = True


def set_up(app):
    """The writer's accounts, members and actions: made once, found again on later runs."""
    from sqlalchemy import select

    from portal.auth import service as auth
    from portal.core.countries import COUNTRY_CODES
    from portal.extensions import db
    from portal.models import Action, Member, Representation, User
    from portal.models.members import APPROVED
    from portal.pledges import service as pledges

    rep = db.session.scalar(select(User).where(User.email == WRITER_EMAIL))
    if rep is None:
        auth.create_user(WRITER_EMAIL, PASSWORD, "representative", name="Benchmark Writer")
        rep = db.session.scalar(select(User).where(User.email == WRITER_EMAIL))
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    if coordinator is None:
        auth.create_user(
            COORDINATOR_EMAIL, PASSWORD, "coordinator", COUNTRY_CODES, name="Benchmark Coordinator"
        )
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    represented = set(
        db.session.scalars(select(Representation.member_id).where(Representation.user_id == rep.id))
    )
    if len(represented) < MEMBERS:
        candidates = db.session.scalars(
            select(Member.id).where(Member.status == APPROVED).order_by(Member.id)
        ).all()
        chosen = random.Random(7).sample(candidates, min(MEMBERS, len(candidates)))
        for member_id in chosen:
            if member_id not in represented:
                db.session.add(Representation(member_id=member_id, user_id=rep.id))
        db.session.commit()
    actions = list(
        db.session.scalars(
            select(Action.id)
            .join(Representation, Representation.member_id == Action.member_id)
            .where(Representation.user_id == rep.id, Action.status != "cancelled")
        )
    )
    if not actions:
        members = db.session.scalars(
            select(Member).join(Representation).where(Representation.user_id == rep.id)
        ).all()
        for member in members:
            action = pledges.create_action(rep, member, _action_data(), publish=True)
            actions.append(action.id)
    return rep.id, coordinator.id, actions


def _action_data(budget: int = 25000):
    from portal.pledges.service import ActionData

    return ActionData(
        title="Protective planters around the market square",
        description="Planters and benches that stop vehicles, placed with the market traders.",
        category="security_by_design",
        space_kinds=["squares_streets", "shopping_areas"],
        start_date=date(2026, 1, 5),
        target_date=date(2027, 6, 30),
        budget_eur=Decimal(budget),
        funding_sources=["municipal"],
        partners="Market traders' association; local police",
    )


def progress(rep, action_id: int, rng: random.Random) -> None:
    from portal.core.clock import today_utc
    from portal.extensions import db
    from portal.models import Action
    from portal.pledges import service as pledges

    action = db.session.get(Action, action_id)
    if action.status == "completed":  # a demo action already done: a last word on it
        percent, status = 100, "completed"
    else:
        percent, status = rng.randint(min(action.percent_complete, 95), 95), "in_progress"
    pledges.add_progress(
        rep, action, today_utc(), f"Work goes on: {percent} percent done.", percent, status
    )


def details(rep, action_id: int, rng: random.Random) -> None:
    from portal.extensions import db
    from portal.models import Action
    from portal.pledges import service as pledges

    action = db.session.get(Action, action_id)
    pledges.update_action(rep, action, _action_data(budget=rng.randrange(5000, 500000, 500)))


def new_member(rep, coordinator, number: int, rng: random.Random) -> None:
    from portal.core.countries import COUNTRY_CODES
    from portal.demo.pdf import pdf_document
    from portal.membership import service as membership
    from portal.membership.service import ApplicationData
    from portal.review import service as review

    country = rng.choice(sorted(COUNTRY_CODES))
    data = ApplicationData(
        name=f"Benchmark town {number} {int(time.time())}",
        country=country,
        region="Benchmark region",
        population=rng.randrange(2000, 200000),
        latitude=rng.uniform(36, 60),
        longitude=rng.uniform(-8, 25),
        website="https://town.benchmark.example.eu",
        mayor_name="Mayor of the benchmark",
        council_decision_date=date(2026, 3, 1),
        contact_name="Benchmark Writer",
        contact_email=WRITER_EMAIL,
        contact_phone="+32 2 123 45 67",
        accept_commitments=True,
    )
    upload = io.BytesIO(pdf_document([(12, "Council decision to join the covenant")]))
    member = membership.create_application(rep, data, upload, submit=True)
    review.approve_application(coordinator, member, "Welcome to the covenant.", member.version)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=5.0, help="writes a second")
    parser.add_argument("--switch", required=True, help="write only while this file exists")
    parser.add_argument("--seconds", type=float, default=3600.0, help="stop after this long")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_term)

    from portal import create_app
    from portal.core.errors import UserFacingError
    from portal.extensions import db
    from portal.models import User

    app = create_app()
    rng = random.Random(2026)
    written = {"progress": 0, "details": 0, "new members": 0, "refused": 0}
    with app.test_request_context("/"):  # the services queue mail and build links
        rep_id, coordinator_id, actions = set_up(app)
        print(f"writer ready: {len(actions)} actions", flush=True)
        switch, started, last_member, number = Path(args.switch), time.monotonic(), 0.0, 0
        writing = 0.0  # seconds spent with the switch on
        interval = 1.0 / args.rate
        next_at = time.monotonic()
        while not _stop and time.monotonic() - started < args.seconds:
            if not switch.exists():
                time.sleep(0.05)
                next_at = time.monotonic()
                continue
            next_at += interval
            began = time.monotonic()
            rep, coordinator = db.session.get(User, rep_id), db.session.get(User, coordinator_id)
            try:
                if time.monotonic() - last_member >= NEW_MEMBER_EVERY:
                    number += 1
                    new_member(rep, coordinator, number, rng)
                    written["new members"] += 1
                    last_member = time.monotonic()
                elif rng.random() < DETAILS_SHARE:
                    details(rep, rng.choice(actions), rng)
                    written["details"] += 1
                else:
                    progress(rep, rng.choice(actions), rng)
                    written["progress"] += 1
            except UserFacingError as exc:  # a rule refused it (a cancelled action, say)
                written["refused"] += 1
                if written["refused"] <= 3:
                    print(f"writer: refused: {type(exc).__name__}: {exc}", flush=True)
            db.session.remove()
            writing += time.monotonic() - began
            pause = next_at - time.monotonic()
            if pause > 0 and switch.exists():
                writing += min(pause, interval)
            if pause > 0:
                time.sleep(pause)
    done = sum(v for k, v in written.items() if k != "refused")
    rate = done / writing if writing else 0.0
    print(
        "writer wrote: "
        + ", ".join(f"{v} {k}" for k, v in written.items())
        + f"; {done} writes in {writing:.0f} s of writing rounds, {rate:.1f} a second",
        flush=True,
    )


if __name__ == "__main__":
    main()
