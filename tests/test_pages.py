"""The public pages render in every language the portal speaks."""

import pytest

from tests.factories import make_action, make_member

PUBLIC_PAGES = [
    "/",
    "/about",
    "/help",
    "/privacy",
    "/accessibility",
    "/members",
    "/map",
    "/stats",
    "/good-practice",
    "/account/login",
    "/account/register",
    "/account/password",
]
# A word from each language's translation of the footer link "Privacy notice".
PRIVACY_IN = {
    "en": "Privacy notice",
    "de": "Datenschutz",
    "fr": "confidentialité",
    "pl": "prywatności",
    "it": "privacy",
    "es": "privacidad",
}


@pytest.mark.parametrize("lang", sorted(PRIVACY_IN))
def test_every_public_page_renders_in_every_language(app, client, lang):
    member = make_member(name="Łódź", country="PL")
    make_action(member)
    client.get(f"/language/{lang}?next=/")
    for path in PUBLIC_PAGES + [f"/members/{member.slug}"]:
        response = client.get(path)
        assert response.status_code == 200, (lang, path)
        page = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in page
        assert PRIVACY_IN[lang] in page, (lang, path)


def test_the_browser_language_is_used_when_none_was_chosen(client):
    page = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.get_data(as_text=True)


def test_an_unknown_language_is_refused(client):
    assert client.get("/language/xx?next=/about").status_code == 404
    assert '<html lang="en">' in client.get("/about").get_data(as_text=True)


def test_language_choice_redirects_only_to_local_pages(client):
    response = client.get("/language/de?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    response = client.get("/language/de?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_language_links_keep_the_page_and_mark_the_current_language(client):
    page = client.get("/members?q=lodz&country=PL").get_data(as_text=True)
    assert 'href="/language/de?next=%2Fmembers%3Fq%3Dlodz%26country%3DPL"' in page
    assert 'lang="de" hreflang="de"' in page
    assert 'hreflang="en" aria-current="true"' in page
    response = client.get("/language/de?next=%2Fmembers%3Fq%3Dlodz%26country%3DPL")
    assert response.status_code == 302
    assert response.headers["Location"] == "/members?q=lodz&country=PL"
    page = client.get("/members?q=lodz&country=PL").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert 'hreflang="de" aria-current="true"' in page


def test_an_anonymous_visit_makes_no_session(client):
    member = make_member(name="Łódź", country="PL")
    make_action(member)
    for path in PUBLIC_PAGES[:8] + [f"/members/{member.slug}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path


@pytest.mark.parametrize(
    ("language", "population"),
    [
        ("en", "1,234,567"),
        ("de", "1.234.567"),
        ("fr", "1\u202f234\u202f567"),
        ("pl", "1\xa0234\xa0567"),
    ],
)
def test_the_home_pages_figures_are_written_as_the_language_writes_numbers(
    client, language, population
):
    make_member("Grossstadt", country="DE", population=1_234_567)
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f"<strong>{population}</strong>" in html
