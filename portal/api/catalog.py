"""The DCAT-AP 3.0 catalogue of the portal's open data (/api/v1/catalog.ttl and .jsonld): the
datasets (members, published actions, statistics), their downloads, and the API that serves them.

Titles, descriptions and keywords are given in every language of the portal whose translation
differs from the English, which is always given. Every node states its class (a licence is a
dct:LicenseDocument, a format a dct:MediaTypeOrExtent, ...), as the DCAT-AP shapes check
ranges by class. No person is named: the contact point is the covenant's helpdesk, an office.

The catalogue shows when the public data last changed (the version tokens' times, three rows)
and since when it runs (the first public member's joining date): it is cached until a member
or an action changes (`CATALOG_SCOPES`)."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS
from sqlalchemy import func, select

from portal.core.links import external_url
from portal.extensions import db
from portal.models import Member
from portal.models.publicdata import ACTIONS, ALL, MEMBERS, PUBLIC_DATA, DataVersion, list_scopes

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
AUTHORITY = "http://publications.europa.eu/resource/authority/"
LANGUAGE = Namespace(AUTHORITY + "language/")
FILE_TYPE = Namespace(AUTHORITY + "file-type/")
DATA_THEME = Namespace(AUTHORITY + "data-theme/")
FREQUENCY = Namespace(AUTHORITY + "frequency/")
ACCESS_RIGHT = Namespace(AUTHORITY + "access-right/")
# The European Union in the Publications Office's Country table (country/EUR).
EUROPEAN_UNION = URIRef(AUTHORITY + "country/EUR")
IANA = "https://www.iana.org/assignments/media-types/"
# The prefixes of the Turtle and of the JSON-LD context.
JSON_LD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "xsd": str(XSD),
}

# The EU authority code (ISO 639-2/T, as the Language table has it) of each portal language.
LANGUAGE_CODES = {
    "bg": "BUL", "es": "SPA", "cs": "CES", "da": "DAN", "de": "DEU", "et": "EST",
    "el": "ELL", "en": "ENG", "ga": "GLE", "fr": "FRA", "hr": "HRV", "it": "ITA",
    "lv": "LAV", "lt": "LIT", "hu": "HUN", "mt": "MLT", "nl": "NLD", "pl": "POL",
    "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV", "fi": "FIN", "sv": "SWE",
}  # fmt: skip

# Themes of the EU data-theme vocabulary, with their English labels.
THEMES = {
    "JUST": "Justice, legal system and public safety",
    "GOVE": "Government and public sector",
}
# (file type of the EU table, IANA media type, label) of each format.
FORMATS = {
    "csv": ("CSV", "text/csv", "CSV"),
    "geojson": ("GEOJSON", "application/geo+json", "GeoJSON"),
    "json": ("JSON", "application/json", "JSON"),
}

CATALOG_DESCRIPTION = _l(
    "Open data of the covenant of mayors for the protection of public spaces: its member "
    "municipalities, the actions they have published and the statistics built from them. "
    "No personal data."
)
KEYWORDS = (_l("public spaces"), _l("urban security"), _l("municipalities"))
DATASETS = {
    "members": {
        "title": _l("Members of the covenant"),
        "description": _l(
            "The municipalities that are members of the covenant (active or on hold): name, "
            "country, region, population, location, date of joining, status, website, number "
            "of published actions and the address of their page on the portal."
        ),
        "keywords": (_l("Members"),),
    },
    "actions": {
        "title": _l("Actions of the members"),
        "description": _l(
            "The actions the members have published to protect their public spaces: title, "
            "description, category, kinds of public space, funding sources, status, progress, "
            "dates and budget, with the member each belongs to."
        ),
        "keywords": (_l("Published actions"),),
    },
    "stats": {
        "title": _l("Statistics of the covenant"),
        "description": _l(
            "Members and the population they cover per country, members joining per year, "
            "published actions per category and status, and their funding sources."
        ),
        "keywords": (_l("Statistics"),),
    },
}
SERVICE_TITLE = _l("Open data API")
SERVICE_DESCRIPTION = _l(
    "A read-only JSON API (with CSV and GeoJSON exports) of the members, their published "
    "actions and the statistics, described in OpenAPI 3.1."
)
# Whose changes renew the catalogue (its modification times and its period).
CATALOG_SCOPES = (*list_scopes(MEMBERS), *list_scopes(ACTIONS))


# (format, endpoint, complete) of each dataset's downloads. A paged API list is not a complete
# download: it has an access URL (and the service), no download URL.
DISTRIBUTIONS = {
    "members": [
        ("csv", "api.members_csv", True),
        ("geojson", "api.members_geojson", True),
        ("json", "api.members", False),
    ],
    "actions": [("json", "api.actions", False)],
    "stats": [("json", "api.stats", True)],
}
LANDING_PAGES = {"members": "directory.members", "stats": "stats.overview"}


class _Texts:
    """A text in every portal language where it differs from the English, and in English."""

    def __init__(self) -> None:
        config = current_app.config
        self.languages = [lang for lang in config["LANGUAGES"] if lang in LANGUAGE_CODES]
        self.default = config.get("BABEL_DEFAULT_LOCALE", "en")

    def literals(self, text) -> list[Literal]:
        """`text`: a lazy text, or a function that translates one in the current language."""
        with force_locale(self.default):
            english = str(text() if callable(text) else text)
        found = [Literal(english, lang=self.default)]
        for lang in self.languages:
            if lang == self.default:
                continue
            with force_locale(lang):
                translated = str(text() if callable(text) else text)
            if translated != english:
                found.append(Literal(translated, lang=lang))
        return found


def _changed_times() -> dict[str, datetime]:
    """When the whole public data, the member lists and the action lists last changed."""
    names = [PUBLIC_DATA, f"{MEMBERS}:{ALL}", f"{ACTIONS}:{ALL}"]
    rows = db.session.execute(
        select(DataVersion.name, DataVersion.changed_at).where(DataVersion.name.in_(names))
    )
    return dict(rows.all())


def _latest(*times) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known).replace(microsecond=0) if known else None


def first_joined() -> date | None:
    """The date the first public member joined: the start of what the data covers."""
    return db.session.scalar(select(func.min(Member.joined_on)).where(Member.is_public))


def _typed(graph: Graph, node, *classes) -> URIRef:
    for cls in classes:
        graph.add((node, RDF.type, cls))
    return node


def _add_all(graph: Graph, node, predicate, literals) -> None:
    for literal in literals:
        graph.add((node, predicate, literal))


@dataclass(frozen=True)
class _Shared:
    """The nodes every dataset, distribution and the service point to."""

    document: str
    texts: _Texts
    licence: URIRef
    publisher: URIRef
    contact: URIRef
    service: URIRef


def catalog_graph() -> Graph:
    """The catalogue as an RDF graph, with absolute links from PUBLIC_BASE_URL."""
    config = current_app.config
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in JSON_LD_CONTEXT.items():
        graph.bind(prefix, Namespace(namespace))
    document = external_url("api.catalog_turtle")
    shared = _Shared(
        document=document,
        texts=_Texts(),
        licence=_typed(graph, URIRef(config["DATA_LICENCE_URL"]), DCTERMS.LicenseDocument),
        publisher=_publisher(graph, document, config["PORTAL_NAME"]),
        contact=_contact(graph, document, config),
        service=URIRef(f"{document}#api"),
    )
    changed = _changed_times()
    whole = changed.get(PUBLIC_DATA)
    modified = {
        "members": _latest(whole, changed.get(f"{MEMBERS}:{ALL}")),
        "actions": _latest(whole, changed.get(f"{ACTIONS}:{ALL}")),
    }
    modified["stats"] = _latest(modified["members"], modified["actions"])
    period = _period(graph, URIRef(f"{document}#period"), first_joined())
    scheme, themes = _themes(graph)

    catalog = _typed(graph, URIRef(f"{document}#catalog"), DCAT.Catalog)
    name = config["PORTAL_NAME"]
    title = shared.texts.literals(lambda: gettext("%(portal)s: open data", portal=name))
    _add_all(graph, catalog, DCTERMS.title, title)
    _add_all(graph, catalog, DCTERMS.description, shared.texts.literals(CATALOG_DESCRIPTION))
    graph.add((catalog, DCTERMS.publisher, shared.publisher))
    homepage = _typed(graph, URIRef(external_url("pages.home")), FOAF.Document)
    graph.add((catalog, FOAF.homepage, homepage))
    for lang in shared.texts.languages:
        language = _typed(graph, LANGUAGE[LANGUAGE_CODES[lang]], DCTERMS.LinguisticSystem)
        graph.add((catalog, DCTERMS.language, language))
    graph.add((catalog, DCTERMS.license, shared.licence))
    graph.add((catalog, DCTERMS.spatial, _typed(graph, EUROPEAN_UNION, DCTERMS.Location)))
    graph.add((catalog, DCAT.themeTaxonomy, scheme))
    _modified(graph, catalog, modified["stats"])
    graph.add((catalog, DCAT.service, shared.service))

    datasets = []
    for key in DATASETS:
        dataset = _dataset(graph, shared, key, themes, period)
        _modified(graph, dataset, modified[key])
        graph.add((catalog, DCAT.dataset, dataset))
        datasets.append(dataset)
    _service(graph, shared, datasets)
    return graph


def _modified(graph: Graph, node: URIRef, when: datetime | None) -> None:
    if when is not None:
        graph.add((node, DCTERMS.modified, Literal(when, datatype=XSD.dateTime)))


def _dataset(graph: Graph, shared: _Shared, key: str, themes, period) -> URIRef:
    about = DATASETS[key]
    texts = shared.texts
    dataset = _typed(graph, URIRef(f"{shared.document}#dataset-{key}"), DCAT.Dataset)
    graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    _add_all(graph, dataset, DCTERMS.title, texts.literals(about["title"]))
    _add_all(graph, dataset, DCTERMS.description, texts.literals(about["description"]))
    for keyword in (*about["keywords"], *KEYWORDS):
        _add_all(graph, dataset, DCAT.keyword, texts.literals(keyword))
    for theme in themes:
        graph.add((dataset, DCAT.theme, theme))
    graph.add((dataset, DCTERMS.publisher, shared.publisher))
    graph.add((dataset, DCAT.contactPoint, shared.contact))
    graph.add((dataset, DCTERMS.spatial, _typed(graph, EUROPEAN_UNION, DCTERMS.Location)))
    frequency = _typed(graph, FREQUENCY.UPDATE_CONT, DCTERMS.Frequency)
    graph.add((dataset, DCTERMS.accrualPeriodicity, frequency))
    public = _typed(graph, ACCESS_RIGHT.PUBLIC, DCTERMS.RightsStatement)
    graph.add((dataset, DCTERMS.accessRights, public))
    if period is not None:
        graph.add((dataset, DCTERMS.temporal, period))
    if key in LANDING_PAGES:
        page = _typed(graph, URIRef(external_url(LANDING_PAGES[key])), FOAF.Document)
        graph.add((dataset, DCAT.landingPage, page))
    for fmt, endpoint, complete in DISTRIBUTIONS[key]:
        distribution = URIRef(f"{shared.document}#{key}-{fmt}")
        graph.add((dataset, DCAT.distribution, distribution))
        _distribution(graph, shared, distribution, (fmt, endpoint, complete), about["title"])
    return dataset


def _publisher(graph: Graph, document: str, name: str) -> URIRef:
    agent = _typed(graph, URIRef(f"{document}#publisher"), FOAF.Agent, FOAF.Organization)
    graph.add((agent, FOAF.name, Literal(name)))
    return agent


def _contact(graph: Graph, document: str, config) -> URIRef:
    """The helpdesk, an organisation: never a person."""
    contact = _typed(graph, URIRef(f"{document}#contact"), VCARD.Organization, VCARD.Kind)
    graph.add((contact, VCARD.fn, Literal(config["PORTAL_NAME"])))
    email = config.get("HELPDESK_EMAIL")
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    return contact


def _themes(graph: Graph) -> tuple[URIRef, list[URIRef]]:
    scheme = _typed(graph, URIRef(AUTHORITY + "data-theme"), SKOS.ConceptScheme)
    graph.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    themes = []
    for code, label in THEMES.items():
        theme = _typed(graph, DATA_THEME[code], SKOS.Concept)
        graph.add((theme, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((theme, SKOS.inScheme, scheme))
        themes.append(theme)
    return scheme, themes


def _period(graph: Graph, period: URIRef, start: date | None) -> URIRef | None:
    """From the first member's joining on, still running (no end). Named, not a blank node:
    the same data gives the same body (and ETag) in every process."""
    if start is None:
        return None
    _typed(graph, period, DCTERMS.PeriodOfTime)
    graph.add((period, DCAT.startDate, Literal(start, datatype=XSD.date)))
    return period


def _distribution(graph: Graph, shared: _Shared, distribution: URIRef, download, title) -> None:
    fmt, endpoint, complete = download
    file_type, media, label = FORMATS[fmt]
    url = URIRef(external_url(endpoint))
    _typed(graph, distribution, DCAT.Distribution)
    for text in shared.texts.literals(title):
        graph.add((distribution, DCTERMS.title, Literal(f"{text} ({label})", lang=text.language)))
    graph.add((distribution, DCAT.accessURL, url))
    if complete:
        graph.add((distribution, DCAT.downloadURL, url))
    graph.add(
        (distribution, DCAT.mediaType, _typed(graph, URIRef(IANA + media), DCTERMS.MediaType))
    )
    file_format = _typed(graph, FILE_TYPE[file_type], DCTERMS.MediaTypeOrExtent)
    graph.add((distribution, DCTERMS["format"], file_format))
    graph.add((distribution, DCTERMS.license, shared.licence))
    graph.add((distribution, DCAT.accessService, shared.service))


def _service(graph: Graph, shared: _Shared, datasets: list[URIRef]) -> None:
    service = _typed(graph, shared.service, DCAT.DataService)
    description = external_url("api.openapi")
    _add_all(graph, service, DCTERMS.title, shared.texts.literals(SERVICE_TITLE))
    _add_all(graph, service, DCTERMS.description, shared.texts.literals(SERVICE_DESCRIPTION))
    graph.add((service, DCAT.endpointURL, URIRef(description.rsplit("/", 1)[0] + "/")))
    graph.add((service, DCAT.endpointDescription, URIRef(description)))
    for dataset in datasets:
        graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.license, shared.licence))
    graph.add((service, DCTERMS.publisher, shared.publisher))
    graph.add((service, DCAT.contactPoint, shared.contact))


MEDIA_TYPES = {"turtle": "text/turtle", "json-ld": "application/ld+json"}


def serialized(graph: Graph, fmt: str) -> bytes:
    """The graph as Turtle or JSON-LD (compacted with the usual prefixes), UTF-8."""
    if fmt == "json-ld":
        return graph.serialize(format="json-ld", context=JSON_LD_CONTEXT, encoding="utf-8")
    return graph.serialize(format="turtle", encoding="utf-8")
