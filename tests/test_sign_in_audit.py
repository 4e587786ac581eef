"""The audit trail of signing in: the second factor, the sessions ended and the password."""

from portal.core.audit import ACTIONS
from tests import factories
from tests.conftest import set_up_second_factor, sign_in
from tests.test_audit import check, entries, the_entry


def test_a_sign_in_with_a_code_is_recorded_once_when_it_is_complete(client):
    coordinator = factories.make_coordinator("DE")
    client.post("/account/login", data={"email": coordinator.email, "password": factories.PASSWORD})
    assert entries(action="auth.signed_in") == []
    client.post("/account/login/code", data={"code": "000000"})
    refused = the_entry("auth.code_refused")
    check(refused, None, "user", coordinator, None, "000000")
    assert refused.details == {"reason": "wrong_code"}
    code = factories.totp_code(coordinator)
    client.post("/account/login/code", data={"code": code})
    check(the_entry("auth.signed_in"), coordinator, "user", coordinator, None, code)


def test_setting_up_changing_and_turning_off_the_second_factor_is_recorded(client, login):
    officer = login(factories.make_user())
    codes = set_up_second_factor(client, officer)
    enrolled = the_entry("auth.second_factor_enrolled")
    check(enrolled, officer, "user", officer, None, *codes, factories.TOTP_SECRETS[officer.email])
    assert enrolled.details == {"replaced": False, "ended": 0}
    client.post("/account/second-factor/recovery-codes")
    check(the_entry("auth.recovery_codes_renewed"), officer, "user", officer, None)
    client.post("/account/second-factor/turn-off")
    check(the_entry("auth.second_factor_turned_off"), officer, "user", officer, None)


def test_an_administrators_reset_and_sign_out_everywhere_are_recorded(app, client, login):
    coordinator = factories.make_coordinator("DE")
    sign_in(app.test_client(), coordinator)
    admin = login(factories.make_user(role="admin"))
    client.post(f"/admin/coordinators/{coordinator.id}/sessions/end")
    ended = the_entry("auth.signed_out_everywhere")
    check(ended, admin, "user", coordinator, None)
    assert ended.details == {"ended": 1}
    client.post(f"/admin/coordinators/{coordinator.id}/second-factor/reset")
    check(the_entry("auth.second_factor_reset"), admin, "user", coordinator, None)


def test_password_changes_and_ended_sessions_are_recorded(app, client, login):
    user = login(factories.make_user())
    sign_in(app.test_client(), user)
    new = "a fresh long passphrase"
    client.post(
        "/account/change-password",
        data={"current_password": factories.PASSWORD, "password": new, "password_again": new},
    )
    changed = the_entry("auth.password_changed")
    check(changed, user, "user", user, None, new)
    assert changed.details == {"ended": 1}
    client.post("/account/sessions/end-others")
    assert the_entry("auth.signed_out_elsewhere").details == {"ended": 0}


def test_every_action_has_a_label():
    for action in (
        "auth.code_refused",
        "auth.password_changed",
        "auth.password_set",
        "auth.second_factor_enrolled",
        "auth.second_factor_turned_off",
        "auth.second_factor_reset",
        "auth.recovery_codes_renewed",
        "auth.signed_out_elsewhere",
        "auth.signed_out_everywhere",
    ):
        assert str(ACTIONS[action])
