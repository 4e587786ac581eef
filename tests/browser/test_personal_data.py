"""A representative downloads their data and deletes their account, as a browser does it."""

import json

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def sign_in(page, user):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_download_then_delete_the_account(page, live_server, tmp_path):
    user = factories.make_user(name="Anna Officer", email="anna@musterstadt.example.eu")
    factories.make_member(name="Musterstadt", representatives=[user])
    sign_in(page, user)
    page.goto("/account")
    page.get_by_role("link", name="Download your data").click()
    page.get_by_label("Your current password").fill(factories.PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "data.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".json")
    data = json.loads(saved.read_text())
    assert data["account"]["email"] == "anna@musterstadt.example.eu"
    assert [r["member.name"] for r in data["representations"]] == ["Musterstadt"]

    page.goto("/account/delete")
    page.get_by_role("button", name="Delete my account").click()
    # Nothing ticked or typed: the errors are announced and tied to their fields.
    summary = page.get_by_role("alert")
    assert "Tick this box to confirm." in summary.inner_text()
    assert page.get_by_label("Your current password").get_attribute("aria-invalid") == "true"
    page.get_by_label("Your current password").fill(factories.PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Your account is deleted." in page.content()
    page.goto("/account")
    assert "/account/login" in page.url
