"""The scale seed (`flask demo seed --scale`): every EU place as an approved member with actions."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.core.folding import fold
from portal.demo import scale
from portal.extensions import db
from portal.models import (
    Action,
    ActionFunding,
    ActionSpace,
    Member,
    ProgressUpdate,
    StatusChange,
)
from portal.models.members import APPROVED
from portal.models.pledges import ACTION_STATUSES
from portal.models.publicdata import public_data_version
from portal.places.service import Place
from portal.pledges.catalog import CATEGORIES, FUNDING_SOURCES, SPACE_KINDS
from tests import factories

TODAY = date(2026, 6, 1)


def place(geonames_id, name, country="DE", region="Hesse", population=1000, lat=50.1, lon=8.6):
    return Place(geonames_id, name, country, region, population, lat, lon)


@pytest.fixture
def few_places(monkeypatch):
    """A small gazetteer, most populous first, with two places of one name in Germany."""
    places = (
        place(1, "Neustadt", region="Bavaria", population=40000, lat=49.73, lon=12.17),
        place(
            2,
            "Łódź",
            country="PL",
            region="Łódź Voivodeship",
            population=680000,
            lat=51.76,
            lon=19.46,
        ),  # fmt: skip
        place(3, "Köln", region="North Rhine-Westphalia", population=1000000, lat=50.93, lon=6.95),
        place(4, "Neustadt", region="Hesse", population=9000, lat=50.85, lon=9.11),
        place(5, "Neustadt", region="Hesse", population=700, lat=50.2, lon=8.9),
        place(6, "Gozo", country="MT", region="", population=600, lat=36.04, lon=14.24),
    )
    monkeypatch.setattr(scale, "eu_places", lambda: places)
    return places


def test_places_become_approved_members_with_actions(few_places):
    version = public_data_version(db.session)
    result = scale.seed_scale(today=TODAY)

    assert (result.members, result.skipped) == (6, 0)
    members = db.session.scalars(select(Member).order_by(Member.id)).all()
    assert {m.status for m in members} == {APPROVED}
    assert [m.name for m in members] == [
        "Neustadt",  # the most populous keeps the plain name
        "Łódź",
        "Köln",
        "Neustadt (Hesse)",
        "Neustadt (Hesse, 2)",
        "Gozo",
    ]
    lodz = members[1]
    assert (lodz.name_key, lodz.region_key, lodz.country) == ("lodz", "lodz voivodeship", "PL")
    assert (lodz.population, lodz.latitude, lodz.longitude) == (680000, 51.76, 19.46)
    assert lodz.geonames_id == 2 and lodz.slug == "lodz-pl"
    assert len({m.slug for m in members}) == 6
    assert len({(m.country, m.name_key) for m in members}) == 6
    assert all(m.name_key == fold(m.name) for m in members)
    # No personal data is made up.
    assert {(m.contact_email, m.contact_name, m.mayor_name) for m in members} == {("", "", "")}
    for m in members:
        assert date(2018, 3, 8) <= m.joined_on <= TODAY
        assert m.joined_on <= m.submitted_at.date() <= m.approved_at.date() <= TODAY
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 6

    actions = db.session.scalars(select(Action)).all()
    assert result.actions == len(actions)
    per_member = Counter(a.member_id for a in actions)
    assert set(per_member) == {m.id for m in members}
    assert all(3 <= n <= 7 for n in per_member.values())
    assert all(a.published for a in actions)
    assert {a.category for a in actions} <= set(CATEGORIES)
    assert {a.status for a in actions} <= set(ACTION_STATUSES)
    spaces = db.session.scalars(select(ActionSpace.kind)).all()
    sources = db.session.scalars(select(ActionFunding.source)).all()
    assert spaces and set(spaces) <= set(SPACE_KINDS)
    assert sources and set(sources) <= set(FUNDING_SOURCES)
    # Every action has at least one space and one funding source.
    assert {s.action_id for s in db.session.scalars(select(ActionSpace))} == {a.id for a in actions}

    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == result.updates
    for action in actions:
        assert action.start_date < action.target_date
        if action.updates:
            last = action.updates[-1]
            assert action.percent_complete == last.percent_complete
            assert action.last_progress_on == last.reported_on <= TODAY
            assert all(action.start_date < u.reported_on for u in action.updates)
        else:
            assert action.status == "planned"
        if action.status == "completed":
            assert action.percent_complete == 100

    # The raw inserts told the caches that the public data changed.
    assert public_data_version(db.session) != version


def test_places_already_members_are_skipped(few_places):
    factories.make_member("Köln", country="DE", geonames_id=3)
    factories.make_member("Gozo", country="MT")  # same name, typed by hand
    result = scale.seed_scale(today=TODAY)
    assert (result.members, result.skipped) == (4, 2)
    assert db.session.scalar(select(func.count()).select_from(Member)) == 6

    again = scale.seed_scale(today=TODAY)
    assert (again.members, again.skipped) == (0, 6)


def test_ids_continue_after_the_seed(few_places):
    scale.seed_scale(limit=2, today=TODAY)
    later = factories.make_member("Later")
    action = factories.make_action(later)
    update = factories.make_update(action)
    assert later.id == db.session.scalar(select(func.max(Member.id)))
    assert action.id == db.session.scalar(select(func.max(Action.id)))
    assert update.id == db.session.scalar(select(func.max(ProgressUpdate.id)))


def test_limit_takes_the_most_populous_real_places():
    result = scale.seed_scale(limit=25, actions_per_member=2)
    assert result.members == 25
    names = set(db.session.scalars(select(Member.name)))
    assert {"Berlin", "Madrid", "Rome", "Paris"} <= names
    regions = db.session.scalars(select(Member.region).where(Member.name == "Berlin")).all()
    assert regions == ["Berlin"]


def test_command_line(runner, few_places):
    result = runner.invoke(args=["demo", "seed", "--scale", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "Scale data: 3 members" in result.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 3

    result = runner.invoke(args=["demo", "seed", "--scale", "--if-empty"])
    assert result.exit_code == 0
    assert "no demo data added" in result.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 3

    result = runner.invoke(args=["demo", "seed", "--limit", "3"])
    assert result.exit_code != 0
    assert "--limit goes with --scale" in result.output
