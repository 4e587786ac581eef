"""`flask backup PATH` and `flask restore PATH`: a consistent copy of the SQLite database made
while the portal runs, the council decisions with a manifest of checksums, and their restore."""

import json
import sqlite3

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.models import CouncilDecision, Member
from tests import factories
from tests.conftest import ON_POSTGRES


@pytest.fixture
def live(app, tmp_path):
    """A portal on a SQLite file with its own upload folder, as a small deployment runs."""
    portal = create_app(
        {
            **app.config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    with portal.app_context():
        upgrade()
        yield portal
        db.session.remove()
        db.engine.dispose()


def _run(portal, *args):
    return portal.test_cli_runner().invoke(args=list(args))


def test_a_backup_restores_the_members_and_their_documents(live, tmp_path):
    member = factories.make_member("Backupstadt", country="DE")
    decision_id = factories.make_council_decision(member, factories.pdf_bytes()).id
    stored = (tmp_path / "uploads" / decision_id).read_bytes()

    made = _run(live, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    assert "Backed up the database and 1 documents" in made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["schema"] == sorted(
        db.session.scalars(text("SELECT version_num FROM alembic_version"))
    )
    assert set(manifest["uploads"]["documents"]) == {decision_id}

    # Then the worst happens: the member is gone, and so is its document.
    db.session.execute(text("DELETE FROM council_decisions"))
    db.session.execute(text("DELETE FROM members"))
    db.session.commit()
    (tmp_path / "uploads" / decision_id).unlink()

    refused = _run(live, "restore", str(tmp_path / "backup"))
    assert refused.exit_code != 0
    assert "restore with --replace" in refused.output

    restored = _run(live, "restore", "--replace", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert db.session.scalar(select(Member.name)) == "Backupstadt"
    assert db.session.scalar(select(CouncilDecision.id)) == decision_id
    assert (tmp_path / "uploads" / decision_id).read_bytes() == stored


def test_the_backup_is_one_committed_state_while_a_write_is_under_way(live, tmp_path):
    factories.make_member("Before", country="FR")
    writer = sqlite3.connect(tmp_path / "live.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE members SET name = 'Half-written'")
    try:
        made = _run(live, "backup", str(tmp_path / "backup"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert made.exit_code == 0, made.output
    copy = sqlite3.connect(tmp_path / "backup" / "portal.db")
    assert copy.execute("SELECT name FROM members").fetchall() == [("Before",)]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()


def test_a_damaged_backup_is_refused_and_changes_nothing(live, tmp_path):
    factories.make_member("Intact", country="PL")
    assert _run(live, "backup", str(tmp_path / "backup")).exit_code == 0
    copy = tmp_path / "backup" / "portal.db"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))

    refused = _run(live, "restore", "--replace", str(tmp_path / "backup"))
    assert refused.exit_code != 0
    assert "portal.db does not match its checksum" in refused.output
    assert db.session.scalar(select(Member.name)) == "Intact"


def test_a_backup_goes_into_a_new_or_empty_folder_only(live, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    refused = _run(live, "backup", str(tmp_path / "full"))
    assert refused.exit_code != 0
    assert "is not an empty folder" in refused.output
    assert (tmp_path / "full" / "something").read_text() == "x"


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL suite checks what PostgreSQL gets")
def test_on_postgresql_the_backup_holds_the_documents_and_says_the_database_is_not_in_it(
    app, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    member = factories.make_member("Pgstadt")
    decision = factories.make_council_decision(member)
    made = _run(app, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    assert "PostgreSQL: not the database" in made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert "pg_dump" in manifest["database"]["not_included"]
    assert set(manifest["uploads"]["documents"]) == {decision.id}
