"""The DCAT-AP catalogue (/api/v1/catalog.ttl and .jsonld): it conforms to the DCAT-AP 3.0.0
shapes, names no person, lists downloads that answer, and the pages that offer downloads link
and announce it."""

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef

from tests import factories
from tests.personal_data import make_footprint

SHAPES = Path(__file__).parent / "data" / "dcat-ap-3.0.0-SHACL.ttl"
FORMATS = {"/api/v1/catalog.ttl": "turtle", "/api/v1/catalog.jsonld": "json-ld"}
# Open namespaces: pytest looks at every name of a test module, which rdflib's closed ones warn of.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
VCARD_EMAIL = URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


@pytest.fixture
def public_data():
    """Members with and without data, published actions, and what the public must not see."""
    lisboa = factories.make_member(
        "Lisboa", country="PT", region="Lisboa", joined_on=date(2019, 3, 2), slug="lisboa"
    )
    factories.make_member("No data", country="PT", population=None, latitude=None, joined_on=None)
    factories.make_member("Pending", country="PT", status="submitted", joined_on=date(2018, 1, 1))
    action = factories.make_action(lisboa, funding=["isf_police", "municipal"])
    factories.make_update(action, percent=30)
    factories.make_action(lisboa, published=False)
    return lisboa


def graph_of(client, path: str) -> tuple[Graph, bytes]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_data()
    return Graph().parse(data=body, format=FORMATS[path]), body


def the(graph: Graph, cls) -> list:
    return sorted(graph.subjects(RDF.type, cls))


@pytest.mark.parametrize("path", FORMATS)
def test_the_catalogue_conforms_to_dcat_ap_3(client, shapes, public_data, path):
    graph, _body = graph_of(client, path)
    conforms, _report, text = validate(graph, shacl_graph=shapes, inference="rdfs")
    assert conforms, text
    assert len(the(graph, DCAT.Catalog)) == 1
    assert len(the(graph, DCAT.Dataset)) == 3
    assert len(the(graph, DCAT.DataService)) == 1


@pytest.mark.parametrize("path", FORMATS)
def test_an_empty_portal_has_a_conforming_catalogue(client, shapes, path):
    graph, _body = graph_of(client, path)
    conforms, _report, text = validate(graph, shacl_graph=shapes, inference="rdfs")
    assert conforms, text


def test_content_types_etag_and_parameters(client, public_data):
    turtle = client.get("/api/v1/catalog.ttl")
    assert turtle.mimetype == "text/turtle"
    assert turtle.mimetype_params.get("charset") == "utf-8"
    jsonld = client.get("/api/v1/catalog.jsonld")
    assert jsonld.mimetype == "application/ld+json"
    assert set(jsonld.get_json()) == {"@context", "@graph"}
    for response, path in ((turtle, "/api/v1/catalog.ttl"), (jsonld, "/api/v1/catalog.jsonld")):
        etag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert client.get(path + "?x=1").status_code == 400


def test_the_same_data_gives_the_same_answer_and_a_change_a_new_one(client, app, public_data):
    first = client.get("/api/v1/catalog.ttl")
    app.extensions.pop("public_cache", None)  # another process, computing it anew
    assert client.get("/api/v1/catalog.ttl").headers["ETag"] == first.headers["ETag"]
    factories.make_member("Porto", country="PT", joined_on=date(2018, 3, 20))
    changed = client.get("/api/v1/catalog.ttl")
    assert changed.headers["ETag"] != first.headers["ETag"]
    graph = Graph().parse(data=changed.get_data(), format="turtle")
    starts = {str(v) for v in graph.objects(None, DCAT.startDate)}
    assert starts == {"2018-03-20"}  # the first public member's joining (not the pending one)


def test_no_person_is_named(client):
    footprint = make_footprint()
    people = [footprint.rep, footprint.coordinator, footprint.colleague]
    secrets = {p.email for p in people} | {p.name for p in people}
    for member in (footprint.member, footprint.shared, footprint.draft):
        secrets |= {member.contact_name, member.contact_email, member.contact_phone}
        secrets.add(member.mayor_name)
    secrets.discard("")
    for path in FORMATS:
        body = client.get(path).get_data(as_text=True)
        found = [s for s in secrets if s in body]
        assert not found, f"{path} shows {found}"
        assert "mailto:helpdesk@covenant.example" in body


def test_the_contact_point_is_the_helpdesk_and_the_licence_is_the_setting(client, app):
    graph, _body = graph_of(client, "/api/v1/catalog.ttl")
    contacts = set(graph.objects(None, DCAT.contactPoint))
    assert len(contacts) == 1
    (contact,) = contacts
    assert (contact, RDF.type, URIRef("http://www.w3.org/2006/vcard/ns#Organization")) in graph
    assert set(graph.objects(contact, VCARD_EMAIL)) == {
        URIRef("mailto:" + app.config["HELPDESK_EMAIL"])
    }
    licences = set(graph.objects(None, DCTERMS.license))
    assert licences == {URIRef(app.config["DATA_LICENCE_URL"])}
    (catalog,) = the(graph, DCAT.Catalog)
    assert (catalog, DCTERMS.license, URIRef(app.config["DATA_LICENCE_URL"])) in graph
    assert (catalog, FOAF.homepage, URIRef("http://localhost/")) in graph


def test_the_distributions_are_the_downloads_and_they_answer(client, public_data):
    graph, _body = graph_of(client, "/api/v1/catalog.ttl")
    urls = {str(u) for u in graph.objects(None, DCAT.accessURL)}
    downloads = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    base = "http://localhost/api/v1/"
    assert urls == {
        base + "members.csv",
        base + "members.geojson",
        base + "members",
        base + "actions",
        base + "stats",
    }
    # The paged lists are reached through the API, the complete files downloaded.
    assert downloads == {base + "members.csv", base + "members.geojson", base + "stats"}
    media = {str(m) for m in graph.objects(None, DCAT.mediaType)}
    assert media == {
        "https://www.iana.org/assignments/media-types/text/csv",
        "https://www.iana.org/assignments/media-types/application/geo+json",
        "https://www.iana.org/assignments/media-types/application/json",
    }
    for distribution in the(graph, DCAT.Distribution):
        (url,) = graph.objects(distribution, DCAT.accessURL)
        (media_type,) = graph.objects(distribution, DCAT.mediaType)
        response = client.get(urlsplit(str(url)).path)
        response.get_data()  # a streamed export: read to its end, which closes it
        response.close()
        assert response.status_code == 200, url
        assert str(media_type).endswith("/" + response.mimetype), url
    service = the(graph, DCAT.DataService)[0]
    (description,) = graph.objects(service, DCAT.endpointDescription)
    assert client.get(urlsplit(str(description)).path).status_code == 200
    assert set(graph.objects(service, DCAT.endpointURL)) == {URIRef(base)}
    assert set(graph.objects(service, DCAT.servesDataset)) == set(the(graph, DCAT.Dataset))


def test_links_come_from_the_public_address_in_production(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LINKS_FROM_REQUEST", False)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://covenant.example.eu")
    graph, body = graph_of(client, "/api/v1/catalog.ttl")
    assert b"http://localhost" not in body
    urls = {str(u) for u in graph.objects(None, DCAT.accessURL)}
    assert "https://covenant.example.eu/api/v1/members.csv" in urls


def test_texts_are_given_in_each_translated_language_and_always_in_english(client, app):
    graph, _body = graph_of(client, "/api/v1/catalog.jsonld")
    (dataset,) = [d for d in the(graph, DCAT.Dataset) if str(d).endswith("#dataset-members")]
    keywords = set(graph.objects(dataset, DCAT.keyword))
    assert Literal("Members", lang="en") in keywords
    assert Literal("Mitglieder", lang="de") in keywords  # the portal's own translation
    for subject in (*the(graph, DCAT.Dataset), *the(graph, DCAT.Catalog)):
        for predicate in (DCTERMS.title, DCTERMS.description):
            literals = list(graph.objects(subject, predicate))
            languages = [lit.language for lit in literals]
            assert "en" in languages and len(languages) == len(set(languages))
            english = next(lit for lit in literals if lit.language == "en")
            # A language is given only where its text is a translation.
            assert all(str(lit) != str(english) for lit in literals if lit.language != "en")
    languages = {str(u).rsplit("/", 1)[1] for u in graph.objects(None, DCTERMS.language)}
    assert len(languages) == len(app.config["LANGUAGES"]) and {"ENG", "DEU", "GLE"} <= languages


@pytest.mark.parametrize("page", ["/members", "/stats"])
def test_the_pages_with_downloads_link_and_announce_the_catalogue(client, public_data, page):
    html = client.get(page).get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert '<link rel="alternate" type="text/turtle" href="/api/v1/catalog.ttl"' in head
    assert '<link rel="alternate" type="application/ld+json" href="/api/v1/catalog.jsonld"' in head
    body = html.split("</head>", 1)[1]
    assert 'href="/api/v1/catalog.ttl"' in body and "Data catalogue (DCAT-AP)" in body
