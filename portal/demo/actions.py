"""Demo part: the members' pledged actions, their progress, coordinators' comments and good
practices, with some members late on their commitments.

`seed_actions(members, rng, today)` gives each public member (active or on hold) a profile:
- too recently approved for the action plan to be due: up to the minimum of actions;
- on track: at least the minimum of published actions, every open one reported on recently;
- late with its action plan: fewer published actions than the minimum after the deadline (most
  members on hold, whose hold gives that reason; the others show as "on hold, now on track");
- late with its progress reports: the plan is there but open actions have gone unreported for
  more than the allowed months;
- silent: nothing at all.
Categories are dealt in turn, so every one appears, and the statuses are mixed so every status
appears; some actions stay unpublished drafts. Dates respect the service's rules: nothing before
the member's approval, updates in order and never in the future, and each action's
last_progress_on is the later of its first publication and its latest update.

`seed_actions_part(demo)` is the part for portal.demo.seed.PARTS: it also makes the demo
representative's member a showcase (every status, a draft, a good practice, a comment, a pending
invitation, a colleague and, once it was approved more than about 13 months ago, one progress
report overdue and another due soon).
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from portal.demo.context import Demo
from portal.extensions import db
from portal.models import (
    Action,
    ActionComment,
    ActionFunding,
    ActionSpace,
    CoordinatorCountry,
    Invitation,
    Member,
    ProgressUpdate,
    Representation,
    User,
)
from portal.models.members import ON_HOLD, PUBLIC_STATUSES
from portal.models.pledges import CANCELLED, COMPLETED, IN_PROGRESS, PLANNED
from portal.models.users import ROLE_COORDINATOR, ROLE_REPRESENTATIVE
from portal.pledges.catalog import CATEGORIES
from portal.pledges.deadlines import Rules, add_months

# Per category: (title, description, kinds of space, funding sources, partners).
IDEAS: dict[str, tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...]] = {
    "vulnerability_assessment": (
        (
            "Vulnerability assessment of the main squares",
            "Assess the market square, the cathedral square and the station forecourt with the EU "
            "checklist, and agree the priorities for protection.",
            ("squares_streets", "transport_hubs"),
            ("municipal",),
            "Police headquarters",
        ),
        (
            "Security audit of the Christmas market",
            "Walk-through of access roads, crowd flows and evacuation routes before the season.",
            ("shopping_areas", "squares_streets"),
            ("municipal", "private"),
            "Market traders' association",
        ),
        (
            "Risk map of event venues",
            "A shared map of the venues that host more than 1,000 people, with their weak points.",
            ("event_venues",),
            ("regional",),
            "Fire brigade; venue operators",
        ),
    ),
    "security_by_design": (
        (
            "Planters and bollards on the pedestrian zone",
            "Replace temporary concrete blocks with planters, benches and retractable bollards "
            "that stop vehicles without closing the street to people.",
            ("squares_streets", "shopping_areas"),
            ("isf_police", "municipal"),
            "Urban design office; shop owners",
        ),
        (
            "Redesign of the station forecourt",
            "Security by design in the renovation: protected waiting areas, clear sight lines and "
            "shelters.",
            ("transport_hubs",),
            ("other_eu", "national", "municipal"),
            "Railway operator",
        ),
        (
            "Protective furniture around schools",
            "Benches and trees as barriers at the entrances of five schools.",
            ("school_surroundings",),
            ("municipal",),
            "Parents' associations",
        ),
    ),
    "detection_technology": (
        (
            "Cameras at the central bus station, with a privacy impact assessment",
            "Cameras with masking of private areas, short retention and a published policy agreed "
            "with the data protection officer.",
            ("transport_hubs",),
            ("national", "municipal"),
            "Transport company; data protection authority",
        ),
        (
            "Crowd-density sensors for large events",
            "Anonymous counting sensors that warn stewards before an area gets too full.",
            ("event_venues", "squares_streets"),
            ("uia",),
            "University research group",
        ),
    ),
    "awareness_training": (
        (
            "Training for stewards and venue staff",
            "Two days of training on spotting suspicious behaviour and guiding an evacuation.",
            ("event_venues",),
            ("municipal", "private"),
            "Regional police; festival organisers",
        ),
        (
            "Joint exercise at the shopping centre",
            "A night-time exercise with police, fire brigade, ambulance and the centre's security.",
            ("shopping_areas",),
            ("private", "regional"),
            "Shopping centre management",
        ),
        (
            "Awareness campaign for public transport staff",
            "Short modules for drivers and ticket staff, refreshed every year.",
            ("transport_hubs",),
            ("municipal",),
            "Transport company",
        ),
    ),
    "public_private": (
        (
            "Security partnership with the city-centre retailers",
            "A standing group that shares alerts and agrees common measures for busy days.",
            ("shopping_areas", "squares_streets"),
            ("private", "municipal"),
            "Chamber of commerce; retailers' association",
        ),
        (
            "Common security plan with the football club",
            "Match-day plan for the stadium surroundings, agreed with the club and the police.",
            ("event_venues",),
            ("private",),
            "Football club; supporters' liaison",
        ),
    ),
    "crisis_management": (
        (
            "Crisis plan for mass events",
            "One plan for all large events, with roles, radio channels and a shared situation "
            "picture.",
            ("event_venues", "squares_streets"),
            ("national", "municipal"),
            "Civil protection; hospitals",
        ),
        (
            "Cross-border first-response agreement",
            "Agreement with the neighbouring municipality across the border on mutual help.",
            ("squares_streets", "transport_hubs"),
            ("other_eu",),
            "Neighbouring municipality",
        ),
    ),
    "preventing_radicalisation": (
        (
            "Youth workers in the neighbourhoods",
            "Three more youth workers and a training programme drawing on the Radicalisation "
            "Awareness Network.",
            ("parks", "school_surroundings"),
            ("national", "municipal"),
            "Youth centres",
        ),
        (
            "Schools and families programme",
            "Workshops on online propaganda for pupils, parents and teachers.",
            ("school_surroundings",),
            ("regional",),
            "Schools; Efus",
        ),
    ),
    "good_practice_exchange": (
        (
            "Peer visit on hostile-vehicle mitigation",
            "A study visit with two other member cities to compare protective street designs.",
            ("squares_streets",),
            ("other_eu",),
            "Two partner cities",
        ),
        (
            "Regional network of security officers",
            "Quarterly meetings of the municipal security officers of the region.",
            ("other",),
            ("regional",),
            "Regional association of municipalities",
        ),
    ),
    "eu_funding": (
        (
            "Bid to the Internal Security Fund – Police",
            "A joint bid with three cities for protective equipment and training.",
            ("squares_streets", "event_venues"),
            ("isf_police",),
            "Three partner cities",
        ),
        (
            "Urban Innovative Actions project on safe public spaces",
            "Test new designs for safe and welcoming squares with residents.",
            ("squares_streets", "parks"),
            ("uia", "municipal"),
            "University; residents' groups",
        ),
    ),
    "places_of_worship": (
        (
            "Protection plan with the faith communities",
            "Agree measures for services and holidays with each community.",
            ("places_of_worship",),
            ("national", "municipal"),
            "Council of faith communities",
        ),
        (
            "Access control at the synagogue and the mosques",
            "Bollards and entrance design agreed with the communities.",
            ("places_of_worship",),
            ("isf_police", "national"),
            "Jewish and Muslim communities",
        ),
    ),
    "other": (
        (
            "Better lighting in the old town",
            "Brighter, energy-saving lighting in the lanes and squares of the old town.",
            ("squares_streets", "cultural_sites"),
            ("municipal",),
            "Utility company",
        ),
        (
            "Safe beach and waterfront plan",
            "Access control, lifeguard coordination and clear escape routes on the waterfront.",
            ("waterfronts_beaches",),
            ("regional", "municipal"),
            "Harbour authority",
        ),
    ),
}

UPDATE_TEXTS = {
    PLANNED: (
        "Project team set up; first meeting with the partners held.",
        "Terms of reference agreed; the call for tenders is being prepared.",
    ),
    IN_PROGRESS: (
        "Tender awarded; work has started.",
        "First phase finished on time; the second phase is under way.",
        "Training sessions held for the first group; the next groups are booked.",
        "Delays with deliveries, but the target date still holds.",
        "Partners met to review progress; adjustments agreed.",
    ),
    COMPLETED: (
        "All work finished and handed over; an evaluation with the partners is scheduled.",
        "Completed. The results and lessons learned are shared with the other members.",
    ),
    CANCELLED: (
        "Cancelled: the regional government took over the project.",
        "Cancelled after the funding bid was not accepted; part of it continues in another action.",
    ),
}

COMMENTS = (
    "Thank you for the update. Could you say more about the private partners involved?",
    "Good progress. Please add the budget once the tender is awarded.",
    "Consider the EU vulnerability checklist for the next phase.",
    "Please report progress before the deadline; the covenant's coordinators follow it up.",
)

# Members' profiles, with their share among members whose plan is due.
PROFILES = (("on_track", 0.7), ("late_plan", 0.12), ("late_progress", 0.13), ("silent", 0.05))
DRAFT_SHARE = 0.3
GOOD_PRACTICE_SHARE = 0.35
COMMENT_SHARE = 0.12
FRESH_DAYS = 300  # an open action reported on at most this long ago is in time
STALE_DAYS = (380, 700)  # ...and one reported on this long ago is late


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Spec:
    """What one demo action should look like."""

    category: str
    status: str
    published: bool = True
    stale: bool = False  # open, published and unreported for too long
    due_in_days: int | None = None  # its next report falls due in so many days
    good_practice: bool = False
    comment: bool = False


@dataclass
class DemoActions:
    actions: list[Action] = field(default_factory=list)
    profiles: dict[int, str] = field(default_factory=dict)  # member id -> profile


class _Categories:
    """Deal categories in turn, in an order drawn once, so every category appears."""

    def __init__(self, rng):
        self.keys = list(CATEGORIES)
        rng.shuffle(self.keys)
        self.n = 0

    def next(self) -> str:
        key = self.keys[self.n % len(self.keys)]
        self.n += 1
        return key


def _random_day(rng, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _status(rng) -> str:
    return rng.choices((PLANNED, IN_PROGRESS, COMPLETED, CANCELLED), weights=(2, 4, 3, 1))[0]


def _profile(member: Member, rng, today: date, rules: Rules) -> str:
    if today <= add_months(member.approved_at.date(), rules.plan_months):
        return "new"
    if member.status == ON_HOLD:
        return "late_plan" if rng.random() < 0.7 else "on_track"
    name = _draw_profile(rng.random())
    if name == "late_progress" and (today - member.approved_at.date()).days < STALE_DAYS[0] + 10:
        return "late_plan"
    return name


def _draw_profile(draw: float) -> str:
    for name, share in PROFILES:
        if draw < share:
            return name
        draw -= share
    return PROFILES[0][0]


def _specs(profile: str, rng, categories: _Categories, rules: Rules) -> list[Spec]:
    need = rules.min_actions
    if profile == "silent":
        return []
    if profile == "new":
        specs = [
            Spec(categories.next(), rng.choice((PLANNED, IN_PROGRESS)))
            for _ in range(rng.randint(0, need))
        ]
    elif profile == "late_plan":
        specs = [
            Spec(categories.next(), rng.choice((PLANNED, IN_PROGRESS)))
            for _ in range(rng.randint(0, need - 1))
        ]
    else:
        specs = [Spec(categories.next(), _status(rng)) for _ in range(rng.randint(need, need + 3))]
        if sum(s.status != CANCELLED for s in specs) < need:
            specs.append(Spec(categories.next(), IN_PROGRESS))
        if profile == "late_progress":
            for spec in specs[: rng.randint(1, 2)]:
                spec.status = rng.choice((PLANNED, IN_PROGRESS))
                spec.stale = True
    for spec in specs:
        spec.good_practice = spec.status == COMPLETED and rng.random() < GOOD_PRACTICE_SHARE
        spec.comment = rng.random() < COMMENT_SHARE
    if rng.random() < DRAFT_SHARE:
        specs.append(Spec(categories.next(), PLANNED, published=False))
    return specs


def _percents(rng, status: str, count: int) -> list[int]:
    """Rising percentages for `count` updates that end in `status`."""
    if status == PLANNED:
        return sorted(rng.randint(0, 10) for _ in range(count))
    end = 100 if status == COMPLETED else rng.randint(20, 90)
    values = sorted(rng.randint(5, end) for _ in range(count - 1)) + [end]
    return values


def _build(
    member: Member,
    spec: Spec,
    rng,
    today: date,
    rules: Rules,
    coordinator: User | None,
    author: User | None,
) -> Action:
    approved_on = member.approved_at.date()
    first = min(approved_on + timedelta(days=1), today)
    open_ = spec.status in (PLANNED, IN_PROGRESS)
    # The last activity: the latest update, or the publication when there is none.
    if spec.due_in_days is not None:
        last_on = add_months(today + timedelta(days=spec.due_in_days), -rules.progress_months)
    elif spec.stale:
        last_on = today - timedelta(days=rng.randint(*STALE_DAYS))
    elif open_ and spec.published:
        last_on = today - timedelta(days=rng.randint(0, FRESH_DAYS))
    else:
        last_on = _random_day(rng, first, today)
    last_on = min(max(last_on, first), today)
    created_on = _random_day(rng, first, min(last_on, first + timedelta(days=200)))

    title, description, spaces, funding, partners = rng.choice(IDEAS[spec.category])
    start = created_on + timedelta(days=rng.randint(-30, 60))
    budget = rng.choice((None, 15000, 48000, 120000, 350000, 1200000, 2750000))
    action = Action(
        member=member,
        title=title,
        description=description,
        category=spec.category,
        start_date=start,
        target_date=start + timedelta(days=rng.randint(120, 720)),
        status=PLANNED,
        percent_complete=0,
        budget_eur=Decimal(budget) if budget is not None else None,
        partners=partners,
        language="en",  # the demo's texts are English
        created_by_id=author.id if author else None,
        created_at=at(created_on, 9),
        updated_at=at(last_on, 16),
        spaces=[ActionSpace(kind=k) for k in spaces],
        funding=[ActionFunding(source=s) for s in funding],
    )
    db.session.add(action)

    count = {
        PLANNED: rng.randint(0, 1),
        IN_PROGRESS: rng.randint(1, 4),
        COMPLETED: rng.randint(2, 4),
        CANCELLED: rng.randint(0, 2),
    }[spec.status]
    if not spec.published:
        count = 0
    published_on = created_on + timedelta(days=rng.randint(0, 20)) if count else last_on
    published_on = min(max(published_on, created_on), last_on)
    days = sorted(_random_day(rng, published_on, last_on) for _ in range(count))
    if days:
        days[-1] = last_on
    statuses = [IN_PROGRESS if spec.status != PLANNED else PLANNED] * count
    percents = _percents(rng, spec.status, count) if count else []
    if spec.status == CANCELLED:
        # The reason closes the history; what came before was work in progress.
        days.append(last_on)
        statuses.append(CANCELLED)
        percents.append(percents[-1] if percents else 0)
    elif count:
        statuses[-1] = spec.status
    for day, status, percent in zip(days, statuses, percents, strict=True):
        action.updates.append(
            ProgressUpdate(
                author_id=author.id if author else None,
                reported_on=day,
                text=rng.choice(UPDATE_TEXTS[status]),
                language="en",
                percent_complete=percent,
                status=status,
                created_at=at(day, 15),
            )
        )
    if action.updates:
        action.status = action.updates[-1].status
        action.percent_complete = action.updates[-1].percent_complete
    if spec.published:
        action.published = True
        action.published_at = at(published_on, 11)
        action.last_progress_on = max([published_on] + days)
    if spec.good_practice and coordinator and action.status == COMPLETED and spec.published:
        action.good_practice = True
        action.good_practice_at = at(min(last_on + timedelta(days=rng.randint(1, 60)), today), 14)
        action.good_practice_by_id = coordinator.id
    if spec.comment and coordinator:
        action.comments.append(
            ActionComment(
                author_id=coordinator.id,
                body=rng.choice(COMMENTS),
                created_at=at(_random_day(rng, created_on, today), 12),
            )
        )
    return action


def _coordinators() -> dict[str, User]:
    rows = db.session.execute(
        select(CoordinatorCountry.country, User)
        .join(User, User.id == CoordinatorCountry.user_id)
        .where(User.role == ROLE_COORDINATOR, User.active.is_(True))
        .order_by(User.id)
    ).all()
    found: dict[str, User] = {}
    for country, user in rows:
        found.setdefault(country, user)
    return found


def _author(member: Member) -> User | None:
    return member.representatives[0].user if member.representatives else None


def seed_actions(members: list[Member], rng, today: date) -> DemoActions:
    """Actions for the public members among `members`; returns them and each one's profile."""
    rules = Rules.from_config(current_app.config)
    categories = _Categories(rng)
    coordinators = _coordinators()
    result = DemoActions()
    for member in members:
        if member.status not in PUBLIC_STATUSES or member.approved_at is None:
            continue
        profile = _profile(member, rng, today, rules)
        result.profiles[member.id] = profile
        for spec in _specs(profile, rng, categories, rules):
            result.actions.append(
                _build(
                    member,
                    spec,
                    rng,
                    today,
                    rules,
                    coordinators.get(member.country),
                    _author(member),
                )
            )
    db.session.flush()
    return result


def showcase(member: Member, rng, today: date, colleague_email: str) -> list[Action]:
    """Every status, a draft, a good practice, a comment and a report due soon for one member,
    a pending invitation and a second representative: what its representatives see first."""
    rules = Rules.from_config(current_app.config)
    coordinator = _coordinators().get(member.country)
    author = _author(member)
    # Approved long enough ago for a report to be overdue (and another one due soon).
    old = (today - member.approved_at.date()).days > STALE_DAYS[0] + 20
    specs = [
        Spec("security_by_design", COMPLETED, good_practice=True),
        Spec("awareness_training", IN_PROGRESS, comment=True),
        Spec("public_private", PLANNED, due_in_days=12 if old else None),
        Spec("detection_technology", CANCELLED),
        Spec("crisis_management", IN_PROGRESS),
        Spec("eu_funding", PLANNED, published=False),
    ]
    if old:
        specs.append(Spec("places_of_worship", IN_PROGRESS, stale=True))
    actions = [_build(member, s, rng, today, rules, coordinator, author) for s in specs]
    colleague = User(
        email=f"deputy.{member.slug}@demo.example.org",
        name="Dario Deputy",
        password_hash=None,
        role=ROLE_REPRESENTATIVE,
        email_confirmed_at=at(today - timedelta(days=60)),
        created_at=at(today - timedelta(days=60)),
    )
    member.representatives.append(Representation(user=colleague))
    now = datetime.now(UTC)
    db.session.add(
        Invitation(
            member=member,
            email=colleague_email,
            # A token nobody knows: the demo shows a pending invitation, not a usable link.
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            invited_by_id=author.id if author else None,
            created_at=now - timedelta(days=2),
            expires_at=now + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]),
        )
    )
    db.session.flush()
    return actions


def seed_actions_part(demo: Demo) -> None:
    """The demo part (portal.demo.seed.PARTS)."""
    seed_actions(demo.members, demo.rng, demo.today)
    account = demo.accounts.get("representative")
    if account is None:
        return
    for member in demo.members:
        mine = any(r.user_id == account.user.id for r in member.representatives)
        if mine and member.status in PUBLIC_STATUSES:
            for action in member_actions(member):
                db.session.delete(action)
            db.session.flush()
            showcase(member, demo.rng, demo.today, "new.colleague@demo.example.org")


def member_actions(member: Member) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.member_id == member.id)))
