"""The accessibility statement follows the EU's model (Implementing Decision (EU) 2018/1523)."""

SECTIONS = [
    "Compliance status",
    "Content that is not accessible",
    "Preparation of this statement",
    "Feedback and contact information",
    "Enforcement procedure",
]


def test_the_statement_has_every_section_of_the_eu_model(client):
    html = client.get("/accessibility").get_data(as_text=True)
    for heading in SECTIONS:
        assert f">{heading}</h2>" in html
    assert "partially compliant" in html and "EN 301 549" in html
    assert "prepared on 1 December 2026" in html  # ACCESSIBILITY_ASSESSED_ON, in words
    assert "in all its 24 languages" in html


def test_without_settings_it_sends_people_to_their_coordinator_and_the_commissions_list(
    client, app, monkeypatch
):
    for name in ("ACCESSIBILITY_CONTACT_EMAIL", "PRIVACY_CONTACT_EMAIL", "PRIVACY_CONTROLLER_NAME",
                 "ACCESSIBILITY_ENFORCEMENT_NAME", "ACCESSIBILITY_ENFORCEMENT_URL"):  # fmt: skip
        monkeypatch.setitem(app.config, name, "")
    html = client.get("/accessibility").get_data(as_text=True)
    assert "The operator of this portal is committed" in html
    assert "write to the coordinator of your country" in html
    assert "digital-strategy.ec.europa.eu/en/policies/web-accessibility" in html


def test_the_operators_settings_are_stated(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_CONTROLLER_NAME", "The covenant office")
    monkeypatch.setitem(app.config, "ACCESSIBILITY_CONTACT_EMAIL", "access@covenant.example.eu")
    monkeypatch.setitem(app.config, "ACCESSIBILITY_ENFORCEMENT_NAME", "Agence du numérique")
    monkeypatch.setitem(app.config, "ACCESSIBILITY_ENFORCEMENT_URL", "https://enforce.example.eu/")
    html = client.get("/accessibility").get_data(as_text=True)
    assert "The covenant office is committed to making this portal accessible" in html
    assert 'href="mailto:access@covenant.example.eu"' in html
    assert '<a href="https://enforce.example.eu/" rel="noopener">Agence du numérique</a>' in html
    assert "coordinator of your country" not in html
