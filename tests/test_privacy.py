"""The privacy notice says what the portal really does, with the periods it really applies."""

import pytest

from tests.factories import make_user


@pytest.fixture
def settings(app):
    """settings(**values): change configuration for one test."""
    saved = {}

    def _set(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config[key])
            app.config[key] = value

    yield _set
    app.config.update(saved)


def test_the_notice_covers_what_the_gdpr_asks(client):
    page = client.get("/privacy").get_data(as_text=True)
    for heading in (
        "Who is responsible",
        "What we keep and why",
        "Legal basis",
        "Who sees your data",
        "How long we keep it",
        "Your rights and how to use them here",
        "Complaints",
    ):
        assert f">{heading}</h2>" in page, heading
    assert "Article 6(1)(e)" in page
    assert "public interest" in page
    for right in ("Access", "Rectification", "Erasure", "Restriction and objection"):
        assert right in page
    assert "“Download your data”" in page and "“Delete your account”" in page


def test_the_retention_periods_come_from_the_settings(client, settings):
    page = client.get("/privacy").get_data(as_text=True)
    assert "removed 30 days after the last confirmation link" in page
    assert "changed for 12 months" in page
    assert "removed 90 days after delivery" in page
    assert "3 days to confirm your address, 2 hours to reset your password, 14 days" in page
    settings(
        PURGE_UNCONFIRMED_ACCOUNT_DAYS=10,
        PURGE_DRAFT_MONTHS=1,
        PURGE_DELIVERED_MAIL_DAYS=45,
        PURGE_SPENT_LINK_DAYS=1,
    )
    page = client.get("/privacy").get_data(as_text=True)
    assert "removed 10 days after the last confirmation link" in page
    assert "changed for 1 month:" in page
    assert "removed 45 days after delivery" in page
    assert "removed 1 day later" in page


def test_the_controller_and_the_authority_are_settings(client, settings):
    page = client.get("/privacy").get_data(as_text=True)
    assert "has not yet entered its name and address" in page
    assert "PRIVACY_CONTROLLER_NAME" in page
    assert "edpb.europa.eu" in page
    settings(
        PRIVACY_CONTROLLER_NAME="Covenant Secretariat",
        PRIVACY_CONTROLLER_ADDRESS="Rue Exemple 1, 1000 Brussels",
        PRIVACY_CONTACT_EMAIL="privacy@covenant.example.eu",
        PRIVACY_AUTHORITY_NAME="Autorité de protection des données",
        PRIVACY_AUTHORITY_URL="https://www.autoriteprotectiondonnees.example.be/",
    )
    page = client.get("/privacy").get_data(as_text=True)
    assert "has not yet entered" not in page
    assert "<strong>Covenant Secretariat</strong><br>Rue Exemple 1, 1000 Brussels" in page
    assert 'href="mailto:privacy@covenant.example.eu"' in page
    assert (
        '<a href="https://www.autoriteprotectiondonnees.example.be/">'
        "Autorité de protection des données</a>"
    ) in page


def test_a_signed_in_person_is_pointed_to_their_data(client, login):
    assert "/account#your-data" not in client.get("/privacy").get_data(as_text=True)
    login(make_user())
    assert 'href="/account#your-data"' in client.get("/privacy").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [
        ("de", "Art. 6 Abs. 1 Buchst. e"),
        ("fr", "article 6, paragraphe 1, point e)"),
        ("es", "artículo 6, apartado 1, letra e)"),
        ("it", "articolo 6, paragrafo 1, lettera e)"),
        ("pl", "art. 6 ust. 1 lit. e)"),
    ],
)
def test_the_notice_is_translated(client, lang, phrase):
    client.get(f"/language/{lang}?next=/privacy")
    page = client.get("/privacy").get_data(as_text=True)
    assert phrase in page
    assert "How long we keep it" not in page
