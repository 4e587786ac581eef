"""The public pages render in every language the portal speaks."""

import pytest

from tests.factories import make_action, make_member

PUBLIC_PAGES = [
    "/",
    "/about",
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
    client.post("/language", data={"lang": lang, "next": "/"})
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
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_language_choice_redirects_only_to_local_pages(client):
    response = client.post("/language", data={"lang": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
