"""The members as CSV and GeoJSON, written piece by piece while the rows are read, so that the
whole EU is never held in memory; gzipped() compresses such a stream as it goes."""

import csv
import io
import json
import zlib
from collections.abc import Callable, Iterable, Iterator

from portal.directory.public import MEMBER_FIELDS, member_output

ROWS_PER_CHUNK = 500
# A spreadsheet runs a cell that starts with one of these as a formula (or strips it first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GEOJSON_PROPERTIES = tuple(f for f in MEMBER_FIELDS if f not in ("latitude", "longitude"))
GZIP_LEVEL = 6


def gzipped(chunks: Iterable[str], level: int = GZIP_LEVEL) -> Iterator[bytes]:
    """The UTF-8 text chunks as one gzip stream, compressed chunk by chunk (memory stays that
    of one chunk); empty pieces are not sent, the end of the stream always is."""
    encoder = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
    for chunk in chunks:
        piece = encoder.compress(chunk.encode("utf-8"))
        if piece:
            yield piece
    yield encoder.flush()


def safe_cell(value) -> object:
    """A value a spreadsheet shows as it is: text that could start a formula gets a leading
    apostrophe. Numbers are written by us, never as formulas, and stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return value


def members_csv(records: Iterable[dict], member_url: Callable[[str], str]) -> Iterator[str]:
    """CSV text in chunks: a UTF-8 byte order mark (spreadsheets then read accents right), the
    header, then one line per member."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(MEMBER_FIELDS)
    for count, record in enumerate(records, start=1):
        values = member_output(record, member_url)
        writer.writerow([safe_cell(values[name]) for name in MEMBER_FIELDS])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(values: dict) -> dict:
    lon, lat = values["longitude"], values["latitude"]
    geometry = None
    if lon is not None and lat is not None:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {name: values[name] for name in GEOJSON_PROPERTIES},
    }


def members_geojson(records: Iterable[dict], member_url: Callable[[str], str]) -> Iterator[str]:
    """A GeoJSON FeatureCollection of points, in chunks of features."""
    yield '{"type":"FeatureCollection","features":['
    chunk: list[str] = []
    first = True
    for record in records:
        chunk.append(
            json.dumps(
                _feature(member_output(record, member_url)),
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        if len(chunk) == ROWS_PER_CHUNK:
            yield ("" if first else ",") + ",".join(chunk)
            first = False
            chunk = []
    if chunk:
        yield ("" if first else ",") + ",".join(chunk)
    yield "]}"
