"""'Your data': everything the portal holds about a person, as a JSON download."""

import json

from sqlalchemy import String, Text

from portal.account import erasure, export
from portal.models import Base
from tests.factories import PASSWORD, make_user
from tests.personal_data import make_footprint


def user_columns() -> set[tuple[str, str]]:
    """Every column of every table that refers to a user."""
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.add((table.name, column.name))
    return found


def address_columns() -> set[tuple[str, str]]:
    """Text columns that hold e-mail addresses (by name), outside the users table."""
    words = ("email", "recipient")
    return {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if table.name != "users"
        and isinstance(column.type, String | Text)
        and any(word in column.name for word in words)
        and not column.name.startswith("contact_")
    }


def test_every_column_referring_to_a_user_is_exported_and_erased():
    columns = user_columns() | address_columns()
    assert ("status_changes", "actor_id") in columns  # the scan finds them
    assert columns - export.covered_columns() == set(), "add them to portal/account/export.py"
    assert columns - set(erasure.HANDLED_COLUMNS) == set(), "add them to portal/account/erasure.py"


def download(client, login, user, password=PASSWORD):
    login(user)
    return client.post("/account/data", data={"password": password})


def test_the_download_holds_everything_about_the_person(client, login):
    trace = make_footprint()
    response = download(client, login, trace.rep)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    account = data["account"]
    assert account["email"] == "anna@musterstadt.example.eu"
    assert account["name"] == "Anna Officer"
    assert account["role"] == "representative"
    assert account["locale"] == "de"
    assert account["created_at"] and account["email_confirmed_at"]
    assert {r["member.name"] for r in data["representations"]} == {
        "Musterstadt",
        "Beispielheim",
        "Entwurfsdorf",
    }
    applications = {a["name"]: a for a in data["applications"]}
    assert set(applications) == {"Musterstadt", "Entwurfsdorf"}
    assert applications["Musterstadt"]["contact_phone"] == "+49 30 1234567"
    assert applications["Musterstadt"]["contact_email"] == "anna@musterstadt.example.eu"
    assert [h["comment"] for h in data["history_entries"]] == ["Submitted for review."]
    assert len(data["council_decisions_uploaded"]) == 2
    assert [u["text"] for u in data["progress_updates"]] == ["Report on the planters."]
    assert len(data["actions_created"]) == 1
    assert [i["email"] for i in data["invitations_sent"]] == ["dora@musterstadt.example.eu"]
    assert [i["member.name"] for i in data["invitations_received"]] == ["Beispielheim"]
    assert [i["member.name"] for i in data["invitations_accepted"]] == ["Beispielheim"]
    assert [m["subject"] for m in data["mails"]] == ["Welcome, Anna"]
    # Nobody else's data: the coordinator's comment and mail are not in Anna's export.
    assert data["comments"] == [] and data["good_practice_marked"] == []
    assert "Clara" not in response.get_data(as_text=True)


def test_a_coordinator_gets_their_countries_comments_and_decisions(client, login):
    trace = make_footprint()
    data = json.loads(download(client, login, trace.coordinator).get_data(as_text=True))
    assert data["account"]["role"] == "coordinator"
    assert [c["country"] for c in data["countries"]] == ["DE"]
    assert [c["body"] for c in data["comments"]] == ["Well done."]
    assert [h["comment"] for h in data["history_entries"]] == ["Welcome!"]
    assert len(data["good_practice_marked"]) == 1
    assert [m["subject"] for m in data["mails"]] == ["New application"]
    assert "Anna" not in json.dumps(data["account"])


def test_the_download_asks_for_the_password(client, login):
    user = make_user()
    login(user)
    page = client.get("/account/data")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    text = page.get_data(as_text=True)
    assert 'type="password"' in text and 'autocomplete="current-password"' in text
    wrong = client.post("/account/data", data={"password": "not my password"})
    assert wrong.status_code == 400
    assert wrong.mimetype == "text/html"
    assert "This is not your current password." in wrong.get_data(as_text=True)
    assert 'aria-describedby="password-hint password-error"' in wrong.get_data(as_text=True)


def test_the_download_needs_a_signed_in_user(client):
    response = client.post("/account/data", data={"password": PASSWORD})
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_the_account_page_offers_the_download_and_the_deletion(client, login):
    login(make_user())
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data"' in page
    assert 'href="/account/delete"' in page
