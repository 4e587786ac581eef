"""What members write is shown as written and marked with the language it is written in: the
action's texts and each progress update carry a language, chosen on their forms (the page's
language by default), and the pages mark them with `lang` so that screen readers pronounce them
as that language. Where it is not known (written before the portal asked), no mark."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.extensions import db as _db
from portal.models import Action, ProgressUpdate, utcnow
from portal.pledges import service
from tests.factories import form_token, make_action, make_member, make_update, make_user
from tests.test_pledges import field_error, form_data


@pytest.fixture
def rep():
    return make_user(name="Anna Officer")


@pytest.fixture
def member(rep):
    return make_member(name="Kraków", country="PL", representatives=[rep])


def selected_value(html: str, field: str) -> str:
    select_html = re.search(rf'<select[^>]*id="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
    for option in re.findall(r"<option[^>]*>", select_html):
        if "selected" in option:
            return re.search(r'value="([^"]*)"', option).group(1)
    raise AssertionError(f"nothing chosen in {field}")


def test_the_action_form_offers_every_language_named_in_itself_the_pages_chosen(
    app, client, login, rep, member
):
    login(rep)
    client.get("/language/pl?next=/")
    html = client.get(f"/plans/{member.id}/actions/new").get_data(as_text=True)
    options = re.findall(
        r"<option[^>]*>([^<]*)</option>",
        re.search(r'<select[^>]*id="language"[^>]*>(.*?)</select>', html, re.S).group(1),
    )
    assert len(options) == len(app.config["LANGUAGES"]) == 24
    assert {"polski", "Deutsch", "Gaeilge", "Ελληνικά", "Malti"} <= set(options)
    assert selected_value(html, "language") == "pl"
    # Each named in itself and marked as that language, for a screen reader to say so.
    assert '<option lang="de" value="de">Deutsch</option>' in html


def test_an_action_written_in_polish_is_marked_so_on_every_page_that_shows_it(
    client, login, rep, member
):
    login(rep)
    response = client.post(
        f"/plans/{member.id}/actions/new",
        data=form_data(
            title="Szkolenie stewardów festiwalu",
            description="Dwa dni szkolenia z policją.",
            partners="Organizator festiwalu",
            language="pl",
            publish="y",
        ),
    )
    assert response.status_code == 302
    action = _db.session.scalar(select(Action))
    assert action.language == "pl"

    private = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert '<h1 lang="pl">Szkolenie stewardów festiwalu</h1>' in private
    assert '<p class="pre-line" lang="pl">Dwa dni szkolenia z policją.</p>' in private
    assert '<dd class="pre-line" lang="pl">Organizator festiwalu</dd>' in private
    # The page around it stays in the reader's language.
    assert '<html lang="en"' in private

    public = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert '<h1 lang="pl">Szkolenie stewardów festiwalu</h1>' in public
    member_page = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert re.search(r'<h3 lang="pl"><a [^>]*>Szkolenie stewardów festiwalu</a></h3>', member_page)
    plan = client.get(f"/plans/{member.id}").get_data(as_text=True)
    assert re.search(r'<a href="/actions/\d+" lang="pl">Szkolenie stewardów festiwalu</a>', plan)

    edit = client.get(f"/actions/{action.id}/edit").get_data(as_text=True)
    assert selected_value(edit, "language") == "pl"
    assert 'Edit “<span lang="pl">Szkolenie stewardów festiwalu</span>”' in edit


def test_a_progress_update_is_written_in_the_actions_language_unless_told_otherwise(
    client, login, rep, member
):
    action = make_action(member, language="pl", created_at=utcnow() - timedelta(days=30))
    login(rep)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert selected_value(page, "language") == "pl"
    today = today_utc()
    for text, language in (("Wybrano stewardów", "pl"), ("Erster Schulungstag", "de")):
        response = client.post(
            f"/actions/{action.id}/progress",
            data={
                "form_token": form_token(),
                "reported_on": today.isoformat(),
                "status": "in_progress",
                "percent_complete": "40",
                "text": text,
                "language": language,
            },
        )
        assert response.status_code == 302
    updates = _db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
    assert [u.language for u in updates] == ["pl", "de"]
    page = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert '<p class="pre-line" lang="pl">Wybrano stewardów</p>' in page
    assert '<p class="pre-line" lang="de">Erster Schulungstag</p>' in page


def test_a_language_not_offered_is_refused_next_to_its_field_and_nothing_is_saved(
    client, login, rep, member
):
    login(rep)
    response = client.post(
        f"/plans/{member.id}/actions/new", data=form_data(language='xx" onmouseover="x')
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "language")
    assert 'onmouseover="x' not in response.get_data(as_text=True)
    assert _db.session.scalar(select(Action)) is None


def test_a_form_sent_without_a_language_takes_the_pages(client, login, rep, member):
    login(rep)
    client.get("/language/de?next=/")
    data = form_data()
    response = client.post(f"/plans/{member.id}/actions/new", data=data)
    assert response.status_code == 302
    assert _db.session.scalar(select(Action.language)) == "de"


def test_text_of_unknown_language_has_no_mark_and_is_escaped_either_way(client, member):
    unknown = make_action(member, title="Old <b>entry</b>", language="")
    make_update(unknown, text="Started <script>x()</script>", language="")
    page = client.get(f"/members/{member.slug}/actions/{unknown.id}").get_data(as_text=True)
    assert "<h1>Old &lt;b&gt;entry&lt;/b&gt;</h1>" in page
    assert '<p class="pre-line">Started &lt;script&gt;x()&lt;/script&gt;</p>' in page


def test_the_service_refuses_a_language_not_offered_and_otherwise_follows_the_action(rep, member):
    action = make_action(member, language="pl", created_at=utcnow() - timedelta(days=30))
    with pytest.raises(service.InvalidInput) as refused:
        service.add_progress(rep, action, today_utc(), "Tekst", 10, "in_progress", language="xx")
    assert "language" in refused.value.errors
    update = service.add_progress(rep, action, today_utc(), "Tekst", 10, "in_progress")
    assert update.language == "pl"
    cancelled = service.cancel_action(rep, action, "Powód", language="sv")
    assert cancelled.language == "sv"
    data = service.ActionData(
        title="Ett nytt projekt",
        category="security_by_design",
        start_date=today_utc(),
        target_date=today_utc(),
        space_kinds=["squares_streets"],
        language="tlh",
    )
    with pytest.raises(service.InvalidInput) as refused:
        service.create_action(rep, member, data)
    assert "language" in refused.value.errors
