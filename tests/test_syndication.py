"""Feeds and badges for other websites: the Atom feeds of new members and good practices (valid
against RFC 4287's RELAX NG schema, public data only, by country), the SVG badges and the
snippet a member's page offers to copy."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from portal.models.base import utcnow
from tests.factories import make_action, make_member

ATOM = "http://www.w3.org/2005/Atom"
SVG = "http://www.w3.org/2000/svg"
NS = {"a": ATOM}
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "data" / "atom.rng")))


def atom(response) -> etree._Element:
    """The feed of a response, checked against RFC 4287: the schema of Appendix B, and the
    rules it states in words (an author for the feed or every entry, a self link)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["ETag"]
    feed = etree.fromstring(response.get_data())
    assert SCHEMA.validate(feed), SCHEMA.error_log
    assert feed.tag == f"{{{ATOM}}}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"a:{name}", NS)) == 1, name
    entries = feed.findall("a:entry", NS)
    assert feed.find("a:author/a:name", NS) is not None or all(
        e.find("a:author/a:name", NS) is not None for e in entries
    )
    rels = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert rels["self"].startswith("http") and rels["alternate"].startswith("http")
    for entry in entries:
        for name in ("id", "title", "updated", "link"):
            assert entry.find(f"a:{name}", NS) is not None, name
        assert entry.find("a:summary", NS) is not None or entry.find("a:content", NS) is not None
    return feed


def titles(feed) -> list[str]:
    return [e.findtext("a:title", namespaces=NS) for e in feed.findall("a:entry", NS)]


def good_practice(member, **fields):
    return make_action(
        member,
        status="completed",
        percent_complete=100,
        good_practice=True,
        good_practice_at=fields.pop("good_practice_at", utcnow()),
        **fields,
    )


# ---- the members' feed ------------------------------------------------------------------------


def test_members_feed_lists_public_members_newest_first(client):
    make_member("Altstadt", country="DE", joined_on=date(2023, 5, 1))
    make_member("Neustadt", country="DE", joined_on=date(2025, 2, 1), region="Hessen")
    make_member("Lyon", country="FR", joined_on=date(2024, 6, 1))
    make_member("Entwurfsdorf", country="DE", status="draft")
    make_member("Wartedorf", country="DE", status="submitted")
    make_member("Pausedorf", country="DE", status="on_hold", joined_on=date(2022, 1, 1))

    response = client.get("/feeds/members.atom", headers={"Accept-Language": "en"})
    feed = atom(response)
    assert titles(feed) == ["Neustadt", "Lyon", "Altstadt", "Pausedorf"]
    assert feed.findtext("a:title", namespaces=NS) == "New members of the covenant"
    assert feed.findtext("a:id", namespaces=NS).startswith("tag:")
    assert (
        feed.findtext("a:author/a:name", namespaces=NS) == client.application.config["PORTAL_NAME"]
    )
    first = feed.find("a:entry", NS)
    assert first.find("a:link", NS).get("href").endswith("/members/" + _slug(client, "Neustadt"))
    assert first.findtext("a:updated", namespaces=NS).startswith("2025-02-01")
    assert first.findtext("a:published", namespaces=NS).startswith("2025-02-01")
    assert "Germany · Hessen" in first.findtext("a:summary", namespaces=NS)
    assert feed.findtext("a:updated", namespaces=NS).startswith("2025-02-01")


def _slug(client, name: str) -> str:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Member

    return db.session.scalar(select(Member.slug).where(Member.name == name))


def test_members_feed_by_country_in_the_request_language(client):
    make_member("Köln", country="DE")
    make_member("Lyon", country="FR")
    feed = atom(client.get("/feeds/members.atom?country=de", headers={"Accept-Language": "de"}))
    assert titles(feed) == ["Köln"]
    assert "Deutschland" in feed.findtext("a:title", namespaces=NS)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links["self"].endswith("/feeds/members.atom?country=DE")
    assert "/members?" in links["alternate"] and "country=DE" in links["alternate"]
    english = atom(client.get("/feeds/members.atom?country=FR", headers={"Accept-Language": "en"}))
    assert titles(english) == ["Lyon"]
    assert english.findtext("a:title", namespaces=NS) == "New members of the covenant in France"


@pytest.mark.parametrize("path", ["/feeds/members.atom", "/feeds/good-practice.atom"])
@pytest.mark.parametrize("country", ["XX", "US", "GB", "Germany", "d"])
def test_a_bad_country_is_a_400_in_plain_words(client, path, country):
    response = client.get(f"{path}?country={country}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "country" in response.get_data(as_text=True).lower()


def test_feeds_hold_no_contact_data(client):
    member = make_member("Köln", country="DE", contact_email="secret.person@koeln.example.eu")
    good_practice(member, title="Stewards trained")
    for path in ("/feeds/members.atom", "/feeds/good-practice.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "Köln" in body
        for private in (member.contact_email, member.contact_name, member.contact_phone):
            assert private not in body, (path, private)
        assert member.mayor_name not in body
        assert "<email>" not in body


def test_an_escaped_name_stays_text_in_the_feed(client):
    make_member('Saint <&"> Ville', country="FR")
    feed = atom(client.get("/feeds/members.atom"))
    assert titles(feed) == ['Saint <&"> Ville']


def test_a_feed_answers_304_to_its_etag_and_changes_with_the_data(client):
    make_member("Köln", country="DE")
    first = client.get("/feeds/members.atom")
    etag = first.headers["ETag"]
    again = client.get("/feeds/members.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    make_member("Bonn", country="DE", joined_on=date(2025, 1, 1))
    changed = client.get("/feeds/members.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert titles(atom(changed))[0] == "Bonn"


def test_an_empty_feed_is_still_valid(client):
    atom(client.get("/feeds/members.atom?country=MT"))
    atom(client.get("/feeds/good-practice.atom?country=MT"))


# ---- the good-practice feed ---------------------------------------------------------------------


def test_good_practice_feed_lists_marked_actions_of_public_members(client):
    koeln = make_member("Köln", country="DE")
    lyon = make_member("Lyon", country="FR")
    hidden = make_member("Entwurfsdorf", country="DE", status="draft")
    old = good_practice(
        koeln,
        title="Stewards trained",
        description="Two hundred stewards\ntrained for the carnival.",
        good_practice_at=utcnow() - timedelta(days=3),
    )
    good_practice(lyon, title="Market bollards", good_practice_at=utcnow() - timedelta(days=1))
    good_practice(hidden, title="Hidden action")
    make_action(koeln, status="completed", percent_complete=100, title="Not recommended")

    feed = atom(client.get("/feeds/good-practice.atom", headers={"Accept-Language": "en"}))
    assert titles(feed) == ["Market bollards (Lyon)", "Stewards trained (Köln)"]
    assert feed.findtext("a:title", namespaces=NS) == "Good practice"
    entry = feed.findall("a:entry", NS)[1]
    assert entry.find("a:link", NS).get("href").endswith(f"/members/{koeln.slug}/actions/{old.id}")
    assert entry.findtext("a:summary", namespaces=NS) == (
        "Two hundred stewards trained for the carnival."
    )
    assert entry.findtext("a:author/a:name", namespaces=NS) == "Köln"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links["alternate"].endswith("/good-practice")

    german = atom(
        client.get("/feeds/good-practice.atom?country=DE", headers={"Accept-Language": "de"})
    )
    assert titles(german) == ["Stewards trained (Köln)"]
    assert "Deutschland" in german.findtext("a:title", namespaces=NS)
    links = {link.get("rel"): link.get("href") for link in german.findall("a:link", NS)}
    assert links["alternate"].endswith("/good-practice?country=DE")


def test_a_long_description_is_shortened_in_the_summary(client):
    member = make_member("Köln", country="DE")
    good_practice(member, description="word " * 500)
    feed = atom(client.get("/feeds/good-practice.atom"))
    summary = feed.find("a:entry/a:summary", NS).text
    assert len(summary) < 420 and summary.endswith("…")


# ---- announcing the feeds -----------------------------------------------------------------------


def _alternate_feeds(html: str) -> list[str]:
    head = etree.HTML(html).find("head")
    return [
        link.get("href")
        for link in head.findall("link")
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    ]


def test_the_pages_announce_their_feeds(client):
    home = _alternate_feeds(client.get("/").get_data(as_text=True))
    assert "/feeds/members.atom" in home and "/feeds/good-practice.atom" in home

    directory = client.get("/members").get_data(as_text=True)
    assert _alternate_feeds(directory) == ["/feeds/members.atom"]
    assert "Feed (Atom)" in directory
    by_country = client.get("/members?country=FR").get_data(as_text=True)
    assert _alternate_feeds(by_country) == ["/feeds/members.atom?country=FR"]
    assert 'href="/feeds/members.atom?country=FR"' in by_country

    page = client.get("/good-practice?country=DE").get_data(as_text=True)
    assert _alternate_feeds(page) == ["/feeds/good-practice.atom?country=DE"]
    assert "Feed (Atom)" in page
    assert _alternate_feeds(client.get("/good-practice?country=XX").get_data(as_text=True)) == [
        "/feeds/good-practice.atom"
    ]


# ---- badges -----------------------------------------------------------------------------------


def svg(response) -> etree._Element:
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["ETag"]
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    image = etree.fromstring(response.get_data())  # well-formed XML, or this raises
    assert image.tag == f"{{{SVG}}}svg"
    assert image.get("role") == "img"
    assert image.find(f"{{{SVG}}}title").text
    assert int(image.get("width")) > 0 and int(image.get("height")) > 0
    return image


def texts(image) -> list[str]:
    return [t.text for t in image.iter(f"{{{SVG}}}text")]


def test_member_badge_shows_the_name_escaped_and_the_year(client):
    member = make_member('Saint <&"> Ville', country="FR", joined_on=date(2023, 9, 1))
    response = client.get(f"/members/{member.slug}/badge.svg")
    image = svg(response)
    assert 'Saint <&"> Ville' in texts(image)
    assert "Member since 2023" in texts(image)
    assert 'Saint <&"> Ville' in image.find(f"{{{SVG}}}title").text
    assert b"<&" not in response.get_data()
    again = client.get(
        f"/members/{member.slug}/badge.svg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_member_badge_in_the_language_asked_for(client):
    member = make_member("Köln", country="DE", joined_on=date(2021, 4, 1))
    german = svg(client.get(f"/members/{member.slug}/badge.svg?lang=de"))
    assert "Mitglied seit 2021" in texts(german)
    assert german.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    # A language the portal does not speak: the portal's default language (English).
    unknown = svg(client.get(f"/members/{member.slug}/badge.svg?lang=xx"))
    assert "Member since 2021" in texts(unknown)
    default = svg(client.get(f"/members/{member.slug}/badge.svg"))
    assert "Member since 2021" in texts(default)


def test_a_longer_name_makes_a_wider_badge(client):
    short = make_member("Ulm", country="DE")
    long = make_member("Hansestadt Lüneburg an der Ilmenau und Umgebung", country="DE")
    narrow = int(svg(client.get(f"/members/{short.slug}/badge.svg")).get("width"))
    wide = int(svg(client.get(f"/members/{long.slug}/badge.svg")).get("width"))
    assert wide > narrow + 150


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "suspended", "withdrawn"])
def test_no_badge_for_a_member_not_in_public(client, status):
    member = make_member("Hiddenville", country="DE", status=status)
    assert client.get(f"/members/{member.slug}/badge.svg").status_code == 404


def test_no_badge_for_an_unknown_slug(client):
    assert client.get("/members/no-such-town/badge.svg").status_code == 404


def test_counter_badge_counts_public_members(client):
    make_member("Köln", country="DE")
    make_member("Lyon", country="FR", status="on_hold")
    make_member("Entwurfsdorf", country="DE", status="draft")
    make_member("Wartedorf", country="DE", status="submitted")
    image = svg(client.get("/badge.svg"))
    assert "2 members" in texts(image)
    assert "2 Mitglieder" in texts(svg(client.get("/badge.svg?lang=de")))


# ---- the snippet on the member page ----------------------------------------------------------


def test_member_page_offers_the_badge_snippet(client):
    member = make_member('Saint <&"> Ville', country="FR")
    page = client.get(f"/members/{member.slug}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Badge for your website" in html
    document = etree.HTML(html)
    preview = document.find(".//section[@class='badge-snippet']//img")
    assert preview.get("src") == f"/members/{member.slug}/badge.svg?lang=en"
    assert 'Saint <&"> Ville' in preview.get("alt")
    area = document.find(".//textarea")
    assert area.get("readonly") is not None
    label = document.find(f".//label[@for='{area.get('id')}']")
    assert label is not None and label.text
    snippet = etree.HTML(area.text).find(".//a")
    assert snippet.get("href") == f"http://localhost/members/{member.slug}"
    image = snippet.find("img")
    assert image.get("src") == f"http://localhost/members/{member.slug}/badge.svg?lang=en"
    assert 'Saint <&"> Ville' in image.get("alt")
    badge = svg(client.get(image.get("src")))
    assert image.get("width") == badge.get("width") and image.get("height") == badge.get("height")


def test_the_snippet_follows_the_page_language(client):
    member = make_member("Köln", country="DE")
    html = client.get(f"/members/{member.slug}", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )
    assert f"/members/{member.slug}/badge.svg?lang=de" in html
