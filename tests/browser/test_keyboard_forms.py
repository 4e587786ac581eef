"""The portal's forms filled in with the keyboard alone: focus(), typing, Tab, Space and Enter.

Every Tab stop on the way shows a visible focus (tab_to and tab_until check it), and the focus
always moves on: none of these forms traps it.

- A new visitor registers: a too-short, mismatched password sends the form back with the focus
  on its error summary, whose link leads to the password field; corrected, the account is made,
  the mailed confirmation link opens the sign-in page, and signing in reaches the dashboard.
- A member's officer pledges a new action (title, description, category, a kind of public
  space, dates) and publishes it: the action page shows it.
- A member's officer invites a colleague to the member's team: the invitation is listed as
  pending and mailed.
- A signed-in user changes their password from the account page: the success message shows and
  the new password is the one that works.
- An administrator (password, then the second factor's code) invites a coordinator for a
  country: the coordinators' list shows the invitation sent, and it is mailed.
"""

import pytest

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import Action, Invitation, User
from tests import factories
from tests.browser.test_journeys import focused
from tests.browser.test_keyboard import sign_in_by_keyboard, tab_to, tab_until

pytestmark = pytest.mark.browser

NEW_PASSWORD = "seven lanterns over the quay"


def type_date(page, field_id: str, iso: str) -> None:
    """Tab to a date field and type `iso` (YYYY-MM-DD) in the order of the browser's language:
    day first, else month first."""
    year, month, day = iso.split("-")
    tab_until(page, field_id)
    page.keyboard.type(day + month + year)
    if page.input_value(f"#{field_id}") != iso:
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(month + day + year)
    assert page.input_value(f"#{field_id}") == iso


def test_a_visitor_registers_by_keyboard_only_and_corrects_the_password(page, mailbox):
    address = "karin.keys@tastenburg.example.de"
    page.goto("/account/register")
    tab_until(page, "name")
    page.keyboard.type("Karin Keys")
    tab_until(page, "email")
    page.keyboard.type(address)
    tab_until(page, "password")
    page.keyboard.type("too short")  # 9 characters
    tab_until(page, "password_again")
    page.keyboard.type("not the same")
    tab_to(page, "Create account")
    page.keyboard.press("Enter")

    # Sent back: the focus starts from the list of what to correct.
    page.locator("#error-summary").wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'error-summary'"
    )
    assert focused(page)["id"] == "error-summary", "the error summary does not get the focus"
    summary = page.locator("#error-summary").inner_text()
    assert "Use at least 12" in summary and "The passwords differ." in summary
    page.keyboard.press("Tab")
    link = focused(page)
    assert link["tag"] == "A" and link["text"].startswith("Password:"), link
    assert link["outline"] != "none" and link["outlineWidth"] >= 2, link
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "password", "the summary's link does not lead to the field"
    assert page.input_value("#name") == "Karin Keys"  # what was right is kept

    page.keyboard.type(NEW_PASSWORD)
    tab_until(page, "password_again")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "Create account")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert address in page.get_by_role("status").inner_text()

    page.goto(mailbox.last_link(address, "/account/confirm/"))
    page.wait_for_url("**/account/login")
    assert "your e-mail address is confirmed" in page.locator(".flash").inner_text()
    tab_until(page, "email")
    page.keyboard.type(address)
    tab_until(page, "password")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert f"Signed in as {address}" in page.content()


def test_an_officer_pledges_and_publishes_an_action_by_keyboard_only(page):
    officer = factories.make_user()
    member = factories.make_member("Tastenburg", representatives=[officer])
    sign_in_by_keyboard(page, officer)
    page.goto(f"/plans/{member.id}")
    tab_to(page, "New action")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/plans/{member.id}/actions/new")

    tab_until(page, "title")
    page.keyboard.type("Planters around the Christmas market")
    tab_until(page, "description")
    page.keyboard.type("Heavy planters close the market's entrances to vehicles.")
    tab_until(page, "category")
    page.keyboard.type("Security by design")  # a closed select picks the option typed
    assert page.input_value("#category") == "security_by_design"
    # The kinds of space: squares and streets, then shopping areas and markets.
    tab_until(page, "spaces-0")
    page.keyboard.press("Space")
    tab_until(page, "spaces-2")
    page.keyboard.press("Space")
    assert page.is_checked("#spaces-0") and page.is_checked("#spaces-2")
    assert not page.is_checked("#spaces-1")
    type_date(page, "start_date", "2025-11-01")
    type_date(page, "target_date", "2026-01-15")
    tab_until(page, "publish")
    page.keyboard.press("Space")
    assert page.is_checked("#publish")
    button = tab_to(page, "Save")
    assert button["tag"] == "BUTTON" and button["onScreen"], button
    page.keyboard.press("Enter")

    page.get_by_text("The action is saved.").wait_for()
    page.get_by_role("heading", level=1, name="Planters around the Christmas market").wait_for()
    main = page.locator("main").inner_text()
    assert "Published" in main
    assert "Heavy planters close the market's entrances to vehicles." in main
    assert "Security by design and physical protection" in main
    action = db.session.scalars(db.select(Action).filter_by(member_id=member.id)).one()
    assert page.url.endswith(f"/actions/{action.id}")
    assert action.published
    assert sorted(action.space_kinds) == ["shopping_areas", "squares_streets"]
    assert (str(action.start_date), str(action.target_date)) == ("2025-11-01", "2026-01-15")


def test_an_officer_invites_a_colleague_to_the_team_by_keyboard_only(page, mailbox):
    officer = factories.make_user()
    member = factories.make_member("Tastenburg", representatives=[officer])
    colleague = "tom.tab@tastenburg.example.de"
    sign_in_by_keyboard(page, officer)
    page.goto(f"/plans/{member.id}")
    tab_to(page, "Team")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/team/{member.id}")

    tab_until(page, "email")
    page.keyboard.type(colleague)
    tab_to(page, "Send the invitation")
    page.keyboard.press("Enter")

    page.get_by_text(f"The invitation is on its way to {colleague}.").wait_for()
    pending = page.get_by_role("table", name="Pending invitations")
    assert colleague in pending.inner_text()
    # The invitation can be withdrawn by keyboard too: its button is reached by Tab.
    tab_to(page, f"Withdraw the invitation to {colleague}")
    assert db.session.scalars(db.select(Invitation).filter_by(member_id=member.id)).one()
    (message,) = mailbox.to(colleague)
    assert "/team/join/" in mailbox.body(message)


def test_a_user_changes_the_password_from_the_account_page_by_keyboard_only(page):
    user = factories.make_user()
    sign_in_by_keyboard(page, user)
    page.goto("/account")
    tab_to(page, "Change your password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/change-password")

    tab_until(page, "current_password")
    page.keyboard.type(factories.PASSWORD)
    tab_until(page, "password")
    page.keyboard.type(NEW_PASSWORD)
    tab_until(page, "password_again")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "Change the password")
    page.keyboard.press("Enter")

    page.wait_for_url("**/account")
    flash = page.locator(".flash").inner_text()
    assert "Your password is changed. Your other sessions are ended." in flash
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert verify_password(changed.password_hash, NEW_PASSWORD)
    assert not verify_password(changed.password_hash, factories.PASSWORD)


def test_an_administrator_invites_a_coordinator_by_keyboard_only(page, mailbox):
    admin = factories.make_user(role="admin")
    address = "cora.coordinator@interior.example.at"
    sign_in_by_keyboard(page, admin)  # the password, then the second factor's code
    page.goto("/admin/coordinators")
    tab_to(page, "Invite a coordinator")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/coordinators/invite")

    tab_until(page, "email")
    page.keyboard.type(address)
    tab_until(page, "name")
    page.keyboard.type("Cora Coordinator")
    austria = page.locator("label[for^='countries-']", has_text="Austria").get_attribute("for")
    tab_until(page, austria, limit=120)  # the countries are in the order of their names
    page.keyboard.press("Space")
    assert page.is_checked(f"#{austria}")
    tab_to(page, "Send the invitation")
    page.keyboard.press("Enter")

    page.wait_for_url("**/admin/coordinators")
    expected = f"{address} is invited; we have mailed them a link."
    assert expected in page.locator(".flash").inner_text()
    row = page.get_by_role("row").filter(has_text=address)
    assert "Cora Coordinator" in row.inner_text()
    assert "Austria" in row.inner_text() and "Invitation sent" in row.inner_text()
    (message,) = mailbox.to(address)
    assert "/account/password/" in mailbox.body(message)
