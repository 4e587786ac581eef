"""`flask demo seed`: demo data from real EU places, consistent with the portal's own rules."""

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.core.countries import COUNTRY_CODES
from portal.core.folding import fold, slugify
from portal.demo import seed as demo_seed
from portal.demo.accounts import seed_accounts
from portal.demo.applications import add_application
from portal.demo.pdf import council_decision_pdf, pdf_document
from portal.extensions import db as _db
from portal.membership import documents
from portal.membership.transitions import ALLOWED, COMMENT_REQUIRED
from portal.models import CouncilDecision, Member, StatusChange, User
from portal.models.members import (
    CHANGES_REQUESTED,
    DRAFT,
    MEMBER_STATUSES,
    ON_HOLD,
    PUBLIC_STATUSES,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
)
from portal.places.service import find_place
from tests import factories

ACCOUNT_LINE = re.compile(r"^  (\w+)(?: \(([A-Z, ]+)\))?\s+(\S+@\S+)\s+(\S+)$", re.M)


def printed_accounts(output: str) -> dict[str, tuple[str, str, str]]:
    """label -> (countries, e-mail, password) as the command printed them."""
    return {m[1]: (m[2] or "", m[3], m[4]) for m in ACCOUNT_LINE.finditer(output)}


def test_demo_seed(runner, client, app, db, tmp_path):
    """One seed (it takes seconds), checked from every side by the check_* functions below."""
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    check_members_in_every_state_across_the_eu(result.output, client, db)
    check_history_follows_the_transition_rules(db)
    check_every_application_has_a_real_pdf_council_decision(app, db)
    check_printed_accounts_sign_in(result.output, client, db)
    check_a_second_seed_has_the_same_data_and_other_passwords(result.output, app, tmp_path)


def check_members_in_every_state_across_the_eu(seeded, client, db):
    members = db.session.scalars(select(Member)).all()
    by_status = {}
    for member in members:
        by_status.setdefault(member.status, []).append(member)
    for status in (*MEMBER_STATUSES, SUBMITTED, CHANGES_REQUESTED, DRAFT):
        assert len(by_status.get(status, [])) >= 3, status
    in_member_states = [m for m in members if m.status in MEMBER_STATUSES]
    assert 200 <= len(in_member_states) <= 500
    assert {m.country for m in in_member_states} == COUNTRY_CODES
    assert "members in 27 countries" in seeded

    # Real places: the GeoNames place, its name, region and population.
    for member in members:
        place = find_place(member.geonames_id, member.country)
        assert place is not None and place.name == member.name
        assert (member.population, member.region) == (place.population, place.region)
        assert member.name_key == fold(member.name) and member.region_key == fold(member.region)
        assert member.slug.startswith(slugify(member.name))
    assert len({m.slug for m in members}) == len(members)
    assert len({(m.country, m.name_key) for m in members}) == len(members)

    public = sum(m.status in PUBLIC_STATUSES for m in members)
    active = sum(m.status == "approved" for m in members)
    assert f"{active} members" in client.get("/members").get_data(as_text=True)
    assert f"{public} members" in client.get("/members?status=all").get_data(as_text=True)

    # The search index holds the public members, each with every name of its place.
    from portal.membership.search_index import folded_names
    from portal.models import MemberSearch

    index = dict(db.session.execute(select(MemberSearch.member_id, MemberSearch.names)).all())
    assert index == {
        m.id: folded_names(m.name, m.geonames_id) for m in members if m.status in PUBLIC_STATUSES
    }


def check_history_follows_the_transition_rules(db):
    for member in db.session.scalars(select(Member)):
        state = DRAFT
        for change in member.history:
            assert change.from_status == state
            assert change.to_status in ALLOWED[state]
            if change.to_status in COMMENT_REQUIRED:
                assert change.comment
            state = change.to_status
        assert state == member.status
        assert member.version == 1 + len(member.history)
        stamps = [c.created_at for c in member.history]
        assert stamps == sorted(stamps)
        if member.history:
            assert member.status_changed_at == stamps[-1]
            assert member.status_comment == member.history[-1].comment
        if member.status in MEMBER_STATUSES:
            approvals = [c for c in member.history if c.to_status == "approved"]
            assert member.approved_at == approvals[0].created_at
            assert member.joined_on <= member.approved_at.date()
        else:
            assert member.approved_at is None
        if member.status == DRAFT:
            assert member.history == [] and member.submitted_at is None
        if member.status == SUSPENDED:
            assert [c.to_status for c in member.history][-2:] == [ON_HOLD, SUSPENDED]
        if member.status in (ON_HOLD, SUSPENDED, WITHDRAWN):
            assert member.history[-1].comment


def check_every_application_has_a_real_pdf_council_decision(app, db):
    members = db.session.scalars(select(Member)).all()
    files = {p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir()}
    assert len(files) == len(members)
    for member in members:
        [decision] = member.documents
        assert decision.id in files
        content = documents.path_for(decision.id).read_bytes()
        assert documents.is_pdf(content)
        assert (len(content), hashlib.sha256(content).hexdigest()) == (
            decision.size,
            decision.sha256,
        )
        representative = member.representatives[0].user
        assert decision.uploaded_by_id == representative.id == member.created_by_id
        assert member.contact_email == representative.email


def check_printed_accounts_sign_in(seeded, client, db):
    accounts = printed_accounts(seeded)
    assert set(accounts) == {"admin", "coordinator", "representative"}
    assert accounts["coordinator"][0] == "AT, DE, PL"

    for label, (_, email, password) in accounts.items():
        assert len(password) >= 12
        response = client.post("/account/login", data={"email": email, "password": password})
        assert response.status_code == 302, label
        assert find_role(db, email) == {"coordinator": "coordinator"}.get(label, label)
        client.post("/account/logout")

    coordinator = _db.session.scalar(select(User).where(User.email == accounts["coordinator"][1]))
    waiting = db.session.scalar(
        select(func.count(Member.id)).where(
            Member.status == SUBMITTED, Member.country.in_(coordinator.country_codes)
        )
    )
    assert waiting >= 5

    representative = _db.session.scalar(
        select(User).where(User.email == accounts["representative"][1])
    )
    theirs = db.session.scalars(
        select(Member).where(Member.created_by_id == representative.id)
    ).all()
    assert sorted(m.status for m in theirs) == ["approved", "submitted"]
    assert all(m.country in coordinator.country_codes for m in theirs)


def find_role(db, email: str) -> str:
    return db.session.scalar(select(User.role).where(User.email == email))


def check_a_second_seed_has_the_same_data_and_other_passwords(seeded, app, tmp_path):
    """A second run on another empty database: same members, other passwords."""
    first = printed_accounts(seeded)
    members = sorted((m.country, m.name, m.status) for m in _db.session.scalars(select(Member)))

    other = create_app(
        {
            **app.config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    with other.app_context():
        try:
            upgrade()
            result = other.test_cli_runner().invoke(args=["demo", "seed"])
            again = sorted(
                (m.country, m.name, m.status) for m in _db.session.scalars(select(Member))
            )
        finally:
            _db.session.remove()
            _db.engine.dispose()
    second = printed_accounts(result.output)
    assert again == members
    assert {k: v[1] for k, v in second.items()} == {k: v[1] for k, v in first.items()}
    for label in first:
        assert first[label][2] != second[label][2]


def test_if_empty_leaves_a_database_with_members_alone(runner, db):
    factories.make_member()
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0
    assert "The database has data already: no demo data added." in result.output
    assert db.session.scalar(select(func.count(Member.id))) == 1


def test_without_if_empty_a_database_with_data_is_refused(runner, db):
    factories.make_user(role="admin")
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "the database is not empty" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_refused_in_production(runner, db, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 1 and "for development" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_failing_part_leaves_neither_rows_nor_files(app, db, monkeypatch):
    def applications_then_failure(demo):
        add_application(demo, "DE", SUBMITTED)
        assert Path(app.config["UPLOAD_DIR"]).exists()
        raise RuntimeError("part failed")

    monkeypatch.setattr(demo_seed, "PARTS", (seed_accounts, applications_then_failure))
    with pytest.raises(RuntimeError, match="part failed"):
        demo_seed.seed_demo()
    for model in (User, Member, StatusChange, CouncilDecision):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_pdf_generator_writes_a_well_formed_pdf():
    content = council_decision_pdf("Łódź (centre)", "Poland", date(2024, 3, 8), "Zoë")
    assert documents.is_pdf(content)
    # Every cross-reference entry points at the start of its object.
    xref_at = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert content[xref_at:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", content[xref_at:])
    for number, offset in enumerate(offsets, start=1):
        assert content[int(offset) :].startswith(b"%d 0 obj\n" % number)
    # The content stream's declared length is its real length.
    length = int(re.search(rb"/Length (\d+)", content).group(1))
    stream = content.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(stream) == length
    # Letters outside the standard font lose their accents; brackets are escaped.
    assert b"(Municipal council of Lodz \\(centre\\) \\(Poland\\)) Tj" in content.replace(
        b"\xf3", b"o"
    )
    assert b"Zo\xeb" in content  # ë is in WinAnsiEncoding


def test_pdf_generator_escapes_backslashes():
    content = pdf_document([(12, "a\\b")])
    assert b"(a\\\\b) Tj" in content
