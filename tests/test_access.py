"""Authorization on every route: whatever is not public refuses those it is not for.

The rules come from the app's URL map, so a route added later without a check fails here.
"""

import pytest

from tests.factories import make_action, make_coordinator, make_member, make_user

# Endpoints anyone may reach (public pages, the open data API, account entry points).
PUBLIC = {
    "static", "pages.home", "pages.about", "pages.help", "pages.privacy", "pages.accessibility",
    "pages.healthz", "pages.readyz", "pages.choose_language", "pages.choose_language_link",
    "directory.members", "membership.member_page", "map.member_map", "map.points", "map.at",
    "map.outlines", "map.names", "stats.overview", "pledges.good_practice", "pledges.public_action",
    "places.search", "auth.register", "auth.confirm", "auth.resend", "auth.login",
    "auth.forgot_password", "auth.set_password", "team.join",
}  # fmt: skip
PUBLIC_PREFIXES = ("api.", "syndication.")  # open data, feeds and badges
REFUSED = {302, 400, 401, 403, 404, 405}


@pytest.fixture
def world():
    owner = make_user()
    member = make_member(country="DE", representatives=[owner])
    action = make_action(member, published=False)
    return {"member": member, "action": action}


def _urls(app, world):
    values = {
        "member_id": world["member"].id,
        "action_id": world["action"].id,
        "slug": world["member"].slug,
        "user_id": 1,
        "invitation_id": 1,
        "mail_id": 1,
        "token": "not-a-token",
        "filename": "css/portal.css",
        "country": "DE",
        "extension_id": 1,
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _assert_refused(client, app, world, who):
    for endpoint, method, url in _urls(app, world):
        response = client.open(url, method=method, data={})
        assert response.status_code in REFUSED, (who, endpoint, method, response.status_code)
        if response.status_code == 302:
            location = response.headers["Location"]
            assert "/account/login" in location or location.endswith("/dashboard"), (
                who,
                endpoint,
                method,
                location,
            )


def test_anonymous_visitors_reach_only_public_routes(app, client, world):
    _assert_refused(client, app, world, "anonymous")


PRIVATE_TO_MEMBER = [
    "membership.application", "membership.council_decision", "membership.edit",
    "pledges.plan", "pledges.action", "pledges.edit_action", "pledges.cancel_action",
    "pledges.new_action", "team.team", "review.decide", "review.member_status",
]  # fmt: skip


@pytest.mark.parametrize("who", ["other representative", "coordinator of another country"])
def test_others_cannot_see_a_members_private_pages(app, client, login, world, who):
    login(make_user() if who == "other representative" else make_coordinator("FR"))
    for endpoint, method, url in _urls(app, world):
        if endpoint in PRIVATE_TO_MEMBER and method == "GET":
            response = client.get(url)
            assert response.status_code in {403, 404}, (who, endpoint, response.status_code)


def test_representatives_and_coordinators_cannot_use_the_admin_pages(app, client, login, world):
    for user in (make_user(), make_coordinator("DE")):
        login(user)
        for endpoint, method, url in _urls(app, world):
            if endpoint.startswith("admin."):
                assert client.open(url, method=method, data={}).status_code in {403, 404}
        client.post("/account/logout")
