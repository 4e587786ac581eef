"""The command line: `flask users create` and `flask mail send`."""

from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import cli, create_app
from portal.auth.service import authenticate, find_user
from portal.core.mail.delivery import TRANSPORTS
from portal.core.mail.outbox import queue_mail
from portal.extensions import db as _db
from portal.models import OutboxMail, User
from tests import factories

PASSWORD = "a long admin password"


def test_create_admin_with_piped_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "Chief@Covenant.example.eu", "--role", "admin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin chief@covenant.example.eu." in result.output
    user = find_user("chief@covenant.example.eu")
    assert user.is_admin and user.is_confirmed and user.active and user.name == "chief"
    assert authenticate("chief@covenant.example.eu", PASSWORD) is user


def test_create_coordinator_for_countries(runner, db):
    result = runner.invoke(
        args=[
            "users", "create", "coord@interior.example.de", "--role", "coordinator",
            "--country", "DE", "--country", "at", "--name", "Clara Coordinator",
        ],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created coordinator coord@interior.example.de for AT, DE." in result.output
    user = find_user("coord@interior.example.de")
    assert user.country_codes == {"AT", "DE"} and user.name == "Clara Coordinator"


def test_password_at_the_prompt_is_asked_twice(runner, db, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = runner.invoke(
        args=["users", "create", "boss@covenant.example.eu", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert PASSWORD not in result.output
    assert authenticate("boss@covenant.example.eu", PASSWORD) is not None


def test_prompt_with_differing_passwords_creates_nothing(runner, db, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = runner.invoke(
        args=["users", "create", "boss@covenant.example.eu", "--role", "admin"],
        input=f"{PASSWORD}\nsomething else\n",
    )
    assert result.exit_code != 0
    assert "The two entered values do not match." in result.output
    assert find_user("boss@covenant.example.eu") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "coordinator", "--country", "CH"], PASSWORD, "unknown country code(s): CH"),
        (["--role", "coordinator"], PASSWORD, "a coordinator needs at least one --country"),
        (["--role", "admin", "--country", "DE"], PASSWORD, "only coordinators answer for"),
        (["--role", "admin"], "short", "Use at least 12 characters."),
        (["--role", "admin"], "", "Use at least 12 characters."),
        (["--role", "king"], PASSWORD, "'king' is not one of"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(runner, db, args, password, message):
    result = runner.invoke(
        args=["users", "create", "new@covenant.example.eu", *args], input=password + "\n"
    )
    assert result.exit_code != 0
    assert message in result.output
    assert find_user("new@covenant.example.eu") is None


def test_existing_account_is_refused(runner, db):
    factories.make_user(email="taken@covenant.example.eu")
    result = runner.invoke(
        args=["users", "create", "TAKEN@covenant.example.eu", "--role", "admin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "Error: an account for taken@covenant.example.eu exists already" in result.output
    assert find_user("taken@covenant.example.eu").role == "representative"


def test_malformed_address_is_refused(runner, db):
    result = runner.invoke(
        args=["users", "create", "not-an-address", "--role", "admin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert "is not an e-mail address" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_fresh_install_has_no_account(tmp_path):
    """The migrations create no user, so no default account and no default password exist."""
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        }
    )
    with fresh.app_context():
        upgrade()
        assert _db.session.scalar(select(func.count(User.id))) == 0
        _db.session.remove()
        _db.engine.dispose()


def test_mail_send_delivers_the_outbox(runner, app, mailbox):
    queue_mail("someone@city.example.eu", "Hello", "confirm_email.txt",
               user=factories.make_user(), link="https://example.eu/x")  # fmt: skip
    _db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed." in result.output
    assert [m["To"] for m in mailbox.messages] == ["someone@city.example.eu"]
    assert Path(app.config["MAIL_FILE_DIR"]).is_dir()
    # Nothing is sent twice.
    assert "0 sent, 0 failed." in runner.invoke(args=["mail", "send"]).output


def test_mail_send_reports_failures_and_keeps_the_mail(runner, app, monkeypatch, mailbox):
    queue_mail("someone@city.example.eu", "Hello", "confirm_email.txt",
               user=factories.make_user(), link="https://example.eu/x")  # fmt: skip
    _db.session.commit()

    def broken(msg, mail):
        raise ConnectionRefusedError("smtp server down")

    monkeypatch.setitem(TRANSPORTS, app.config["MAIL_TRANSPORT"], broken)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "0 sent, 1 failed." in result.output
    mail = _db.session.scalar(select(OutboxMail))
    assert mail.sent_at is None and mail.attempts == 1 and "smtp server down" in mail.last_error

    monkeypatch.undo()
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent, 0 failed." in result.output
    assert len(mailbox.messages) == 1
