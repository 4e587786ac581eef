#!/usr/bin/env bash
# Rebuild migrations/versions/0001_initial.py from the models. Only while the portal has never
# been deployed: once a database exists anywhere, add new migrations with `flask db migrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
PORTAL_INSTANCE_DIR="$tmp" DATABASE_URL="sqlite:///$tmp/empty.db" \
  .venv/bin/flask --app portal db migrate -m "initial schema" --rev-id 0001 >/dev/null 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
mv migrations/versions/0001_initial_schema.py migrations/versions/0001_initial.py
rm -rf "$tmp"
echo "migrations/versions/0001_initial.py regenerated"
