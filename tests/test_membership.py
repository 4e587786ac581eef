"""Applying to join, through HTTP: the whole journey, drafts, validation, who may see and change
an application, changes requested, and the public member page."""

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.core.commitments import COMMITMENTS
from portal.extensions import db as _db
from portal.membership.forms import eu_today
from portal.membership.transitions import transition
from portal.models import CouncilDecision, Member, StatusChange
from portal.models.members import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    ON_HOLD,
    REJECTED,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
)
from tests import factories
from tests.factories import make_coordinator, make_member, make_user


def post_application(client, url="/apply", pdf=True, **overrides):
    data = factories.application_form(**overrides)
    if pdf is True:
        data["council_decision"] = (io.BytesIO(factories.pdf_bytes()), "decision.pdf")
    elif pdf:
        data["council_decision"] = pdf
    return client.post(url, data=data, content_type="multipart/form-data")


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a field ('' if none)."""
    found = re.search(
        rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S
    )
    if not found:
        return ""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def only_member() -> Member:
    _db.session.expire_all()
    return _db.session.scalars(select(Member)).one()


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --- the whole journey -----------------------------------------------------------------------


def test_register_confirm_apply_submit_approve_public_page(client, mailbox):
    coordinator = make_coordinator("DE", email="coordinator@land-nrw.example.eu")
    elsewhere = make_coordinator("FR", email="coordinator@france.example.eu")
    email = "anna.schmidt@stadt-koeln.example.eu"
    response = client.post(
        "/account/register",
        data={
            "name": "Anna Schmidt",
            "email": email,
            "password": factories.PASSWORD,
            "password_again": factories.PASSWORD,
        },
    )
    assert response.status_code == 200
    client.get(mailbox.last_link(email, "/account/confirm/"))
    response = client.post("/account/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302

    form = client.get("/apply").get_data(as_text=True)
    assert str(COMMITMENTS[0][1]) in form
    assert 'data-place-search="/places/search"' in form

    response = post_application(client, name="Köln")
    assert response.status_code == 302
    member = only_member()
    assert response.headers["Location"].endswith(f"/applications/{member.id}")
    assert (member.status, member.slug, member.name_key) == (SUBMITTED, "koln-de", "koln")
    assert [r.user.email for r in member.representatives] == [email]
    assert member.council_decision is not None

    mails = mailbox.to(coordinator.email)
    assert len(mails) == 1
    assert "Köln" in mails[0]["Subject"]
    body = mailbox.body(mails[0])
    assert "waits for your review" in body
    assert f"/applications/{member.id}" in body
    assert mailbox.to(elsewhere.email) == []

    transition(coordinator, member, APPROVED, expected_version=member.version)
    _db.session.commit()

    page = client.get("/members/koln-de")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Köln" in html and "North Rhine-Westphalia" in html and "1,024,621" in html
    assert "8 Mar 2025" in html  # the date of the council decision is the joining date


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/apply")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_unconfirmed_representative_is_told_to_confirm_first(client, login):
    login(make_user(confirmed=False))
    response = client.get("/apply", follow_redirects=True)
    assert "confirm your e-mail address" in response.get_data(as_text=True)
    assert post_application(client).status_code == 302
    assert count(Member) == 0


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_only_representatives_apply(client, login, role):
    login(make_user(role=role, countries=("DE",) if role == "coordinator" else ()))
    assert client.get("/apply").status_code == 403
    assert post_application(client).status_code == 403
    assert count(Member) == 0


# --- drafts ----------------------------------------------------------------------------------


def test_a_draft_needs_only_name_and_country(client, login):
    login(make_user())
    response = client.post("/apply", data={"name": "Bonn", "country": "DE", "action": "save"})
    assert response.status_code == 302
    member = only_member()
    assert (member.status, member.name, member.population, member.website) == (
        DRAFT,
        "Bonn",
        None,
        "",
    )
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert "Still needed before you can submit" in page
    assert "Enter the population." in page
    assert "Upload the signed council decision as a PDF." in page


def test_a_draft_still_needs_a_country(client, login):
    login(make_user())
    response = client.post("/apply", data={"name": "Bonn", "country": "", "action": "save"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "country")
    assert count(Member) == 0


def test_what_is_filled_in_a_draft_must_be_valid(client, login):
    login(make_user())
    response = client.post(
        "/apply", data={"name": "Bonn", "country": "DE", "population": "many", "action": "save"}
    )
    assert response.status_code == 422
    assert "whole number above zero" in field_error(response.get_data(as_text=True), "population")
    assert count(Member) == 0


def test_submitting_an_incomplete_draft_shows_what_is_missing(client, login):
    user = login(make_user())
    member = make_member("Bonn", status=DRAFT, representatives=[user], population=None)
    response = client.post(f"/applications/{member.id}/submit", data={"version": member.version})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "population") == "Error: Enter the population."
    assert "Upload the signed council decision" in field_error(html, "council_decision")
    assert only_member().status == DRAFT


def test_submit_button_needs_everything(client, login):
    login(make_user())
    response = post_application(client, pdf=False, region="", accept_commitments=None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "needed to submit" in field_error(html, "region")
    assert "Accept the commitments" in field_error(html, "accept_commitments")
    assert "Upload the signed council decision" in field_error(html, "council_decision")
    assert count(Member) == 0


def test_draft_completed_later_and_submitted_from_its_page(client, login, mailbox):
    coordinator = make_coordinator("DE")
    login(make_user())
    post_application(client, action="save")
    member = only_member()
    assert member.status == DRAFT and member.council_decision is not None
    assert mailbox.to(coordinator.email) == []
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert f'action="/applications/{member.id}/submit"' in page
    response = client.post(f"/applications/{member.id}/submit", data={"version": member.version})
    assert response.status_code == 302
    assert only_member().status == SUBMITTED
    assert len(mailbox.to(coordinator.email)) == 1


def test_edit_a_draft_and_submit_it(client, login):
    user = login(make_user())
    client.post("/apply", data={"name": "Bonn", "country": "DE", "action": "save"})
    member = only_member()
    form = client.get(f"/applications/{member.id}/edit").get_data(as_text=True)
    assert 'value="Bonn"' in form
    response = post_application(
        client, url=f"/applications/{member.id}/edit", name="Bonn", version=member.version
    )
    assert response.status_code == 302
    member = only_member()
    assert member.status == SUBMITTED and member.population == 1024621
    assert member.commitments_accepted_at is not None
    assert _db.session.scalars(select(StatusChange.actor_id)).all() == [user.id]


# --- validation ------------------------------------------------------------------------------

FUTURE = (eu_today() + timedelta(days=10)).isoformat()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "---", "in letters"),
        ("country", "CH", "Not a valid choice"),
        ("population", "0", "whole number above zero"),
        ("population", "12.5", "whole number above zero"),
        ("latitude", "91", "between -90 and 90"),
        ("latitude", "nan", "between -90 and 90"),
        ("longitude", "-180.5", "between -180 and 180"),
        ("longitude", "east", "between -180 and 180"),
        ("website", "ftp://www.bonn.example.eu", "starting with https:// or http://"),
        ("website", "javascript:alert(1)", "starting with https:// or http://"),
        ("website", "www.bonn.example.eu", "starting with https:// or http://"),
        ("website", "https://mayor:secret@bonn.example.eu", "starting with https://"),
        ("website", "https://localhost/", "starting with https://"),
        ("contact_phone", "call the town hall", "phone number"),
        ("contact_phone", "+49 12", "phone number"),
        ("contact_email", "anna at bonn", "valid e-mail address"),
        ("council_decision_date", FUTURE, "cannot be in the future"),
        ("council_decision_date", "2017-12-31", "8 March 2018"),
        ("council_decision_date", "31/12/2024", "real date"),
    ],
)
def test_bad_input_gets_a_message_next_to_its_field(client, login, field, value, message):
    login(make_user())
    response = post_application(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert f'href="#{field}"' in html  # the summary links to the field
    assert count(Member) == 0 and count(CouncilDecision) == 0


def test_accepted_values_are_normalised(client, login):
    login(make_user())
    response = post_application(
        client,
        name="  Sankt   Augustin ",
        contact_phone=" +49  2241 243-0 ",
        contact_email="Anna.Schmidt@Sankt-Augustin.example.eu",
        website="https://www.sankt-augustin.example.eu/rathaus?x=1",
    )
    assert response.status_code == 302
    member = only_member()
    assert member.name == "Sankt Augustin" and member.slug == "sankt-augustin-de"
    assert member.contact_phone == "+49 2241 243-0"
    assert member.contact_email == "anna.schmidt@sankt-augustin.example.eu"


# --- who may see and change an application ---------------------------------------------------


@pytest.fixture
def submitted(client, login):
    """A submitted application of Köln (DE) by its representative, signed in afterwards."""
    owner = login(make_user(email="owner@stadt-koeln.example.eu"))
    post_application(client, name="Köln")
    client.post("/account/logout")
    return only_member(), owner


def test_outsiders_get_404_for_the_application_and_its_document(client, login, submitted):
    member, _owner = submitted
    outsiders = [
        make_user(email="other@bonn.example.eu"),
        make_coordinator("FR", email="coordinator@france.example.eu"),
        make_user(role="admin", email="admin@covenant.example.eu"),
    ]
    for outsider in outsiders:
        login(outsider)
        for url in (
            f"/applications/{member.id}",
            f"/applications/{member.id}/edit",
            f"/applications/{member.id}/council-decision",
        ):
            assert client.get(url).status_code == 404, (outsider.email, url)
        assert client.post(f"/applications/{member.id}/submit").status_code == 404
        client.post("/account/logout")
    assert client.get(f"/applications/{member.id}").status_code == 302  # sign in first
    assert client.get("/applications/9999").status_code == 302


def test_coordinator_of_the_country_reads_but_does_not_edit(client, login, submitted):
    member, owner = submitted
    login(make_coordinator("DE"))
    page = client.get(f"/applications/{member.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert member.contact_email in html and member.mayor_name in html
    assert owner.name in html  # the history says who submitted it
    assert f"/review/{member.id}/decide" in html  # the decision panel (review feature)
    assert client.get(f"/applications/{member.id}/council-decision").status_code == 200
    assert client.get(f"/applications/{member.id}/edit").status_code == 403


def test_no_editing_while_under_review(client, login, submitted):
    member, owner = submitted
    login(owner)
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert "What happens next" in page and "A coordinator for Germany reviews it" in page
    assert "/review/" not in page
    assert f"/applications/{member.id}/edit" not in page
    response = client.get(f"/applications/{member.id}/edit", follow_redirects=True)
    assert "being reviewed and cannot be changed" in response.get_data(as_text=True)
    response = post_application(client, url=f"/applications/{member.id}/edit", name="Köln am Rhein")
    assert response.status_code == 302
    assert only_member().name == "Köln"


# --- changes requested, resubmission, rejection ----------------------------------------------


def test_changes_requested_then_resubmitted(client, login, mailbox, submitted):
    member, owner = submitted
    coordinator = make_coordinator("DE", name="Clara Coordinator")
    transition(coordinator, member, CHANGES_REQUESTED, "Please upload the signed page.")
    _db.session.commit()

    login(owner)
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert "Please upload the signed page." in page and "Submit again" in page
    form = client.get(f"/applications/{member.id}/edit").get_data(as_text=True)
    assert "Please upload the signed page." in form

    member = only_member()
    response = post_application(
        client,
        url=f"/applications/{member.id}/edit",
        name="Köln",
        pdf=False,  # the decision uploaded before still counts
        population="1087863",
        version=member.version,
    )
    assert response.status_code == 302
    member = only_member()
    assert member.status == SUBMITTED and member.population == 1087863
    mails = mailbox.to(coordinator.email)
    assert mails and "resubmitted" in mails[-1]["Subject"].lower()

    history = client.get(f"/applications/{member.id}").get_data(as_text=True)
    history = history[history.index("<h2>History</h2>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", history, re.S)[1:]
    assert len(rows) == 3
    assert owner.name in rows[0] and "Draft → Submitted" in rows[0]
    assert "Clara Coordinator" in rows[1] and "Changes requested" in rows[1]
    assert "Please upload the signed page." in rows[1]
    assert "Changes requested → Submitted" in rows[2]


def test_rejected_application_shows_the_reason_and_is_closed(client, login, submitted):
    member, owner = submitted
    transition(make_coordinator("DE"), member, REJECTED, "The council decision is unsigned.")
    _db.session.commit()
    login(owner)
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert "The council decision is unsigned." in page
    assert "apply again" in page
    assert client.get(f"/applications/{member.id}/edit").status_code == 302
    assert client.post(f"/applications/{member.id}/submit").status_code == 302
    assert only_member().status == REJECTED


def test_stale_submission_is_refused(client, login):
    user = login(make_user())
    post_application(client, action="save")
    member = only_member()
    response = client.post(
        f"/applications/{member.id}/submit",
        data={"version": member.version + 1},
        follow_redirects=True,
    )
    assert "changed in the meantime" in response.get_data(as_text=True)
    assert only_member().status == DRAFT
    assert user.id


def test_csrf_token_required_when_csrf_is_on(app, client, login, monkeypatch):
    login(make_user())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert post_application(client).status_code == 400
    assert count(Member) == 0
    html = client.get("/apply").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert post_application(client, csrf_token=token).status_code == 302
    assert count(Member) == 1


# --- the public member page ------------------------------------------------------------------


def test_public_page_shows_public_facts_only(client):
    representative = make_user(name="Rita Representative", email="rita@bonn.example.eu")
    member = make_member(
        "Bonn",
        representatives=[representative],
        mayor_name="Max Mayor",
        contact_name="Carl Contact",
        contact_email="carl.contact@bonn.example.eu",
        contact_phone="+49 228 770",
        website="https://www.bonn.example.eu",
    )
    _db.session.add(CouncilDecision(id="a" * 32, member_id=member.id, size=10, sha256="0" * 64))
    _db.session.commit()
    html = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert "Bonn" in html and "Germany" in html and "Testregion" in html
    assert "Active member" in html
    assert '<a href="https://www.bonn.example.eu" rel="nofollow noopener" class="external">' in html
    for private in (
        "Max Mayor",
        "Carl Contact",
        "carl.contact@bonn.example.eu",
        "+49 228 770",
        "Rita Representative",
        "rita@bonn.example.eu",
        "council-decision",
        "a" * 32,
    ):
        assert private not in html, private


def test_member_on_hold_is_shown_as_such(client):
    member = make_member(
        "Bonn", status=ON_HOLD, status_comment="No action plan published within 12 months."
    )
    html = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert "This member is on hold." in html
    assert "No action plan published within 12 months." in html


@pytest.mark.parametrize(
    "status", [DRAFT, SUBMITTED, CHANGES_REQUESTED, REJECTED, SUSPENDED, WITHDRAWN]
)
def test_no_public_page_unless_approved_or_on_hold(client, status):
    member = make_member("Bonn", status=status)
    assert client.get(f"/members/{member.slug}").status_code == 404


def test_unknown_member_page_is_404(client):
    assert client.get("/members/nowhere-de").status_code == 404
