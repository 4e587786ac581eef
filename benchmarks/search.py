"""Time the directory search's SQL on the database the app is configured for.

    PORTAL_INSTANCE_DIR=/tmp/search-inst .venv/bin/python benchmarks/search.py
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python benchmarks/search.py

Load the scale data first (`flask demo seed --scale`; on PostgreSQL run ANALYZE after). For each
of 18 common queries it runs what one page of the directory asks the database (the count and
the first page of 50, best match first), without the cache, `--repeat` times, and prints the
median milliseconds, the number of matches and the first member found. For comparison it times
the same page with the LIKE scan over members.name_key/region_key the index replaced (searches
by the own name only: no gazetteer names, no other scripts).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import and_, func, or_, select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

QUERIES = (
    "lodz",
    "wien",
    "munchen",
    "københavn",
    "kobenhavn",
    "copenhagen",
    "warszawa",
    "warsaw",
    "lisboa",
    "bruxelles",
    "brussel",
    "roma",
    "praha",
    "αθήνα",
    "athens",
    "milano",
    "koln",
    "sevilla",
)


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    from portal import create_app
    from portal.directory.query import count_members, filtered_members, parse_filters
    from portal.extensions import db
    from portal.models import Member

    app = create_app()
    with app.app_context():
        session = db.session
        members = session.scalar(select(func.count()).select_from(Member))
        print(f"{db.engine.dialect.name}, {members} members, median of {args.repeat} runs")
        print(f"{'query':<12} {'index ms':>9} {'matches':>8}  first found  | LIKE scan ms, first")
        index_times, scan_times = [], []
        for query in QUERIES:
            filters = parse_filters(MultiDict({"q": query}))
            page = filtered_members(filters).limit(50)

            def by_index(filters=filters, page=page):
                total = session.scalar(count_members(filters))
                rows = session.execute(page).all()
                return total, rows

            total, rows = by_index()
            index_ms = _median_ms(by_index, args.repeat)
            index_times.append(index_ms)

            def like(column, word):
                return or_(column.like(f"{word}%"), column.like(f"% {word}%"))

            terms = [Member.is_public] + [
                or_(like(Member.name_key, w), like(Member.region_key, w)) for w in filters.words
            ]

            def by_scan(terms=terms):
                session.scalar(select(func.count()).select_from(Member).where(and_(*terms)))
                return session.execute(
                    select(Member.name)
                    .where(and_(*terms))
                    .order_by(Member.name_key.op("||")(""), Member.id)
                    .limit(50)
                ).all()

            scan_rows = by_scan()
            scan_ms = _median_ms(by_scan, args.repeat)
            scan_times.append(scan_ms)
            first = rows[0].name if rows else "-"
            scan_first = scan_rows[0].name if scan_rows else "-"
            print(f"{query:<12} {index_ms:9.2f} {total:8d}  {first:<12} | ", end="")
            print(f"{scan_ms:7.2f}, {scan_first}")
        print(
            f"median of the 18: index {statistics.median(index_times):.2f} ms, "
            f"LIKE scan {statistics.median(scan_times):.2f} ms"
        )


if __name__ == "__main__":
    main()
