"""Bad input, as any script can send it: numbers out of bounds or not written in ASCII digits,
control characters and direction overrides in text, and forms posted twice. Each gets a clear
400/422 with a message naming what is allowed, and changes nothing."""

import io
import re
import threading
import unicodedata

import pytest
from sqlalchemy import func, select

from portal.core.clock import today_utc
from portal.extensions import db as _db
from portal.models import (
    Action,
    ActionComment,
    Invitation,
    Member,
    ProgressUpdate,
    UsedFormToken,
)
from tests import factories
from tests.conftest import sign_in as factories_sign_in
from tests.factories import form_token, make_action, make_coordinator, make_member, make_user
from tests.test_pledges import field_error as action_field_error
from tests.test_pledges import form_data

HUGE = str(2**63)
THREADS = 50


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


# --- numbers from the address ----------------------------------------------------------------

JSON_ROUTES = (
    "/map/points.json",
    "/map/at.json?lat=50&lon=7&",
    "/api/v1/members",
    "/api/v1/members.geojson",
    "/api/v1/members.csv",
)


@pytest.mark.parametrize("parameter", ["population_min", "population_max"])
@pytest.mark.parametrize("value", [HUGE, "99999999999999999999999", "-1", "١٢", "1_000", "1e3"])
@pytest.mark.parametrize("route", JSON_ROUTES)
def test_population_bounds_out_of_range_answer_json_400(client, route, parameter, value):
    make_member(name="Bonn", country="DE", population=300000)
    separator = "" if route.endswith("&") else "?"
    response = client.get(f"{route}{separator}{parameter}={value}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["parameter"] == parameter
    assert "from 0 to 1000000000" in body["error"]


@pytest.mark.parametrize("route", ["/members", "/map"])
@pytest.mark.parametrize("value", [HUGE, "١٢", "1_000"])
def test_population_bounds_out_of_range_show_the_page_with_a_message(client, route, value):
    response = client.get(f"{route}?population_min={value}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "population_min must be a whole number from 0 to 1000000000." in html


@pytest.mark.parametrize("value", ["1000000000000000000", "0", "-3", "٣", "2_0", "x"])
def test_good_practice_page_number_is_bounded(client, value):
    response = client.get(f"/good-practice?page={value}")
    assert response.status_code == 400
    assert "page must be a whole number from 1 to 1000000." in response.get_data(as_text=True)
    assert client.get("/good-practice?page=2").status_code == 200  # past the end: empty


@pytest.mark.parametrize("value", ["1000000000000000000", "١"])
def test_api_page_numbers_are_bounded(client, value):
    for route in ("/api/v1/members", "/api/v1/actions"):
        response = client.get(f"{route}?page={value}")
        assert response.status_code == 400, route
        assert response.get_json()["parameter"] == "page"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "١٢", "1_0", "1e1"])
def test_map_coordinates_take_ascii_decimals_only(client, value):
    response = client.get(f"/map/at.json?lat={value}&lon=7")
    assert response.status_code == 400 and response.get_json()["parameter"] == "lat"


def test_review_page_number_is_bounded(client, login):
    login(make_coordinator("DE"))
    response = client.get(f"/review?page={HUGE}")
    assert response.status_code == 400
    assert "page must be a whole number" in response.get_data(as_text=True)
    response = client.get(f"/review/members?after={HUGE}")  # paged by cursor
    assert response.status_code == 400
    assert "after must be a whole number" in response.get_data(as_text=True)


def test_ids_in_addresses_beyond_what_a_table_holds_are_no_such_page(client, login):
    login(make_user())
    for url in (f"/plans/{HUGE}", f"/actions/{HUGE}", f"/team/{HUGE}", f"/applications/{HUGE}"):
        assert client.get(url).status_code == 404, url


# --- numbers in forms ------------------------------------------------------------------------


@pytest.fixture
def rep():
    return make_user(name="Anna Officer")


@pytest.fixture
def member(rep):
    return make_member(name="Musterstadt", country="DE", representatives=[rep])


@pytest.mark.parametrize(
    "value", ["NaN", "sNaN", "-sNaN", "Infinity", "-inf", "١٢٠٠", "1_000", "1e6", "12,5"]
)
def test_budget_takes_plain_numbers_only(client, login, rep, member, value):
    login(rep)
    response = client.post(f"/plans/{member.id}/actions/new", data=form_data(budget_eur=value))
    assert response.status_code == 422
    message = action_field_error(response.get_data(as_text=True), "budget_eur")
    assert message == "Write a number with the digits 0 to 9 and a point for decimals."
    assert count(Action) == 0


@pytest.mark.parametrize("value", ["٥٠", "5_0", "50.0", "+-5"])
def test_percentages_take_ascii_digits_only(client, login, rep, member, value):
    action = make_action(member)
    login(rep)
    response = client.post(
        f"/actions/{action.id}/progress",
        data={
            "reported_on": today_utc().isoformat(),
            "status": "in_progress",
            "percent_complete": value,
            "text": "Progress",
            "form_token": form_token(),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a percentage from 0 to 100." in action_field_error(html, "percent_complete")


@pytest.mark.parametrize("value", ["١٢٠٠٠", "12_000", "1e4", "NaN"])
def test_application_population_in_ascii_digits(client, login, value):
    login(make_user())
    response = client.post(
        "/apply",
        data={**factories.application_form(population=value), "action": "save"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "whole number above zero" in response.get_data(as_text=True)
    assert count(Member) == 0


# --- text ------------------------------------------------------------------------------------

BIDI_OVERRIDE = "https://bonn.example.eu/\u202egpj.exe"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Bo\x00nn", "control characters"),
        ("name", "Bonn\x07", "control characters"),
        ("name", "Bonn\nBad Godesberg", "one line"),
        ("name", "Bonn\u202e", "change the direction"),
        ("region", "Nordrhein\u2066-Westfalen", "change the direction"),
        ("mayor_name", "Katja\x1bDörner", "control characters"),
        ("website", BIDI_OVERRIDE, "change the direction"),
        ("contact_name", "Anna\x00", "control characters"),
    ],
)
def test_application_text_refuses_control_and_direction_characters(
    client, login, field, value, message
):
    login(make_user())
    data = factories.application_form(**{field: value})
    data["council_decision"] = (io.BytesIO(factories.pdf_bytes()), "decision.pdf")
    response = client.post("/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "\x00" not in html  # the page never sends the raw byte back
    from tests.test_membership import field_error

    assert message in field_error(html, field)
    assert count(Member) == 0


def test_names_are_stored_in_nfc(client, login):
    login(make_user())
    decomposed = unicodedata.normalize("NFD", "Düsseldorf")
    assert decomposed != "Düsseldorf"
    data = factories.application_form(name=decomposed, region="Nordrhein-Westfalen")
    data["council_decision"] = (io.BytesIO(factories.pdf_bytes()), "decision.pdf")
    assert client.post("/apply", data=data, content_type="multipart/form-data").status_code == 302
    _db.session.expire_all()
    assert _db.session.scalars(select(Member)).one().name == "Düsseldorf"


def test_multiline_texts_keep_their_lines_but_not_nul(client, login, rep, member):
    login(rep)
    ok = client.post(
        f"/plans/{member.id}/actions/new",
        data=form_data(description="First line.\r\nSecond line,\twith a tab."),
    )
    assert ok.status_code == 302
    assert "Second line" in _db.session.scalars(select(Action)).one().description
    bad = client.post(f"/plans/{member.id}/actions/new", data=form_data(description="A\x00B"))
    assert bad.status_code == 422
    assert "control characters" in action_field_error(bad.get_data(as_text=True), "description")
    assert count(Action) == 1


def test_right_to_left_text_is_welcome(client, login, rep, member):
    """Arabic, Hebrew and the plain direction marks are text, not overrides."""
    login(rep)
    title = "تدريب المضيفين \u200f— הדרכה"
    response = client.post(f"/plans/{member.id}/actions/new", data=form_data(title=title))
    assert response.status_code == 302
    assert _db.session.scalars(select(Action)).one().title == title


# --- forms that create something, sent twice ---------------------------------------------------


def test_a_replayed_action_form_creates_one_action(client, login, rep, member):
    login(rep)
    page = client.get(f"/plans/{member.id}/actions/new").get_data(as_text=True)
    assert 'name="form_token"' in page
    data = form_data()
    first = client.post(f"/plans/{member.id}/actions/new", data=data)
    again = client.post(f"/plans/{member.id}/actions/new", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert again.status_code == 200
    assert "This form had already been sent, so it was saved only once." in again.get_data(
        as_text=True
    )
    assert count(Action) == 1


@pytest.mark.parametrize("token", [None, "", "made-up", "x" * 500])
def test_an_action_form_without_a_token_of_ours_creates_nothing(client, login, rep, member, token):
    login(rep)
    data = form_data()
    if token is None:
        del data["form_token"]
    else:
        data["form_token"] = token
    response = client.post(f"/plans/{member.id}/actions/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This form is out of date. Check what it holds and send it again." in html
    assert 'name="form_token"' in html and count(Action) == 0
    # The page drawn again carries a token that works.
    data["form_token"] = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)[1]
    assert client.post(f"/plans/{member.id}/actions/new", data=data).status_code == 302
    assert count(Action) == 1


def test_a_failed_form_keeps_its_token_usable(client, login, rep, member):
    login(rep)
    data = form_data(title="")
    assert client.post(f"/plans/{member.id}/actions/new", data=data).status_code == 422
    data["title"] = "Now with a title"
    assert client.post(f"/plans/{member.id}/actions/new", data=data).status_code == 302
    assert count(Action) == 1


def test_progress_comment_and_invitations_are_sent_once(client, login, rep, member):
    action = make_action(member)
    login(rep)
    progress = {
        "reported_on": today_utc().isoformat(),
        "status": "in_progress",
        "percent_complete": "40",
        "text": "Stewards chosen",
        "form_token": form_token(),
    }
    for _ in range(3):
        client.post(f"/actions/{action.id}/progress", data=progress)
    invite = {"email": "colleague@musterstadt.example.eu", "form_token": form_token()}
    for _ in range(3):
        client.post(f"/team/{member.id}/invite", data=invite)
    assert count(ProgressUpdate) == 1
    assert count(Invitation) == 1
    client.post("/account/logout")

    login(make_coordinator("DE"))
    comment = {"body": "Consider the checklist.", "form_token": form_token()}
    for _ in range(3):
        client.post(f"/actions/{action.id}/comments", data=comment)
    assert count(ActionComment) == 1
    assert count(UsedFormToken) == 3


def test_a_coordinator_invitation_sent_twice_says_so(client, login):
    login(make_user(role="admin"))
    data = {"email": "nadia@interior.example.at", "countries": ["AT"], "form_token": form_token()}
    assert client.post("/admin/coordinators/invite", data=data).status_code == 302
    again = client.post("/admin/coordinators/invite", data=data, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert "already been sent" in html and "exists already" not in html


@pytest.mark.postgres
def test_fifty_identical_posts_at_once_store_one_action(app, rep, member):
    """Fifty copies of the same post, sent at the same moment, on PostgreSQL (one browser's
    session, as a double click or a replaying script has): the token's primary key lets one
    commit; the others wait for it, then find the token used."""
    member_id = member.id
    signed_in = app.test_client()
    factories_sign_in(signed_in, rep)
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    data = form_data()
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        try:
            start.wait(60)
            statuses.append(client.post(f"/plans/{member_id}/actions/new", data=data).status_code)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert statuses == [302] * THREADS  # the saved action, or the plan with "already sent"
    assert count(Action) == 1


def test_fields_carry_no_aria_attribute_saying_none(client, login, rep, member):
    """aria-invalid="None" is not a value ARIA knows, and screen readers take it as "true"."""
    login(rep)
    for url in ("/account/login", f"/plans/{member.id}/actions/new", "/account"):
        html = client.get(url).get_data(as_text=True)
        assert '="None"' not in html, url
    bad = client.post(f"/plans/{member.id}/actions/new", data=form_data(title=""))
    html = bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and '="None"' not in html


def test_numbers_too_long_for_int_are_out_of_bounds(client):
    """int() refuses more than 4,300 digits: such a number is simply out of bounds."""
    response = client.get("/api/v1/members?population_min=" + "1" * 5000)
    assert response.status_code == 400 and response.get_json()["parameter"] == "population_min"
    assert client.get("/good-practice?page=" + "7" * 5000).status_code == 400
