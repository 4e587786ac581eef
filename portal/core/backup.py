"""Backups and their restore: a consistent copy of the SQLite database, taken while the portal
runs (SQLite's online backup API, which copies one committed state of the database), and the
uploaded council decisions in an archive, with a manifest of checksums for every file.

PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`: see the README); on it
this copies the uploads and says in the manifest that the database is not in the backup.
"""

import hashlib
import json
import re
import sqlite3
import tarfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.core.readiness import schema_revisions
from portal.extensions import db
from portal.models import utcnow

MANIFEST = "manifest.json"
DATABASE_FILE = "portal.db"
UPLOADS_FILE = "uploads.tar.gz"
FORMAT = 1
# Uploaded documents are stored under their identifier alone (portal.membership.documents).
_UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    database: bool
    uploads: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path() -> Path | None:
    """The SQLite database file, None on PostgreSQL; refuses an in-memory database."""
    if db.engine.dialect.name != "sqlite":
        return None
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("The database is in memory: there is no file to back up.")
    return Path(name)


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: one committed state of `source`, while others read and write."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _upload_files() -> list[Path]:
    folder = Path(current_app.config["UPLOAD_DIR"])
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _UPLOAD_NAME.fullmatch(p.name))


def create_backup(target: Path) -> BackupSummary:
    """Write the backup into `target`, a new or empty folder."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder.")
    source = _sqlite_path()
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"format": FORMAT, "created_at": utcnow().isoformat(timespec="seconds")}
    with db.engine.connect() as connection:
        manifest["schema"] = schema_revisions(connection)
    if source is not None:
        copy = target / DATABASE_FILE
        _copy_sqlite(source, copy)
        manifest["database"] = {
            "file": DATABASE_FILE,
            "bytes": copy.stat().st_size,
            "sha256": _sha256(copy),
        }
    else:
        manifest["database"] = {
            "not_included": "PostgreSQL: back the database up with pg_dump -Fc (see the README)."
        }
    files = _upload_files()
    archive = target / UPLOADS_FILE
    with tarfile.open(archive, "w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.name, recursive=False)
    manifest["uploads"] = {
        "file": UPLOADS_FILE,
        "sha256": _sha256(archive),
        "documents": {path.name: _sha256(path) for path in files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupSummary(target, source is not None, len(files))


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable {MANIFEST}.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}.")
    return manifest


def verify_backup(source: Path) -> dict:
    """The manifest, once every file in the backup has the checksum the manifest gives."""
    manifest = _read_manifest(source)
    database = manifest.get("database", {})
    if "file" in database and _sha256(source / database["file"]) != database["sha256"]:
        raise BackupError(f"{database['file']} does not match its checksum.")
    uploads = manifest["uploads"]
    archive = source / uploads["file"]
    if _sha256(archive) != uploads["sha256"]:
        raise BackupError(f"{uploads['file']} does not match its checksum.")
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        names = {m.name for m in members}
        if names != set(uploads["documents"]):
            raise BackupError(f"{uploads['file']} does not hold the documents listed.")
        for member in members:
            if not (member.isfile() and _UPLOAD_NAME.fullmatch(member.name)):
                raise BackupError(f"{uploads['file']} holds something other than documents.")
            content = tar.extractfile(member).read()
            if hashlib.sha256(content).hexdigest() != uploads["documents"][member.name]:
                raise BackupError(f"Document {member.name} does not match its checksum.")
    return manifest


def restore_backup(source: Path, replace: bool = False) -> BackupSummary:
    """Put the backup's database (SQLite) and documents in place, after checking them. An
    existing database is replaced only with `replace`; the portal must not run meanwhile."""
    manifest = verify_backup(source)
    target = _sqlite_path()
    database = manifest["database"]
    if "file" in database:
        if target is None:
            raise BackupError("This backup holds a SQLite database; the portal uses PostgreSQL.")
        if target.exists() and target.stat().st_size > 0 and not replace:
            raise BackupError(f"{target} exists: restore with --replace to overwrite it.")
        db.engine.dispose()  # no pooled connection keeps the old file's state
        _copy_sqlite(source / database["file"], target)
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    documents = manifest["uploads"]["documents"]
    with tarfile.open(source / manifest["uploads"]["file"], "r:gz") as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            (folder / member.name).write_bytes(data)  # names checked by verify_backup
    return BackupSummary(source, "file" in database, len(documents))
