"""Council decisions: checked as PDF by their content, stored under their own identifier.

A file is recognised by what it contains (a PDF starts with "%PDF-" and ends with "%%EOF"),
never by its name or the type the browser declares. It is stored as UPLOAD_DIR/<uuid4 hex>,
never under the uploaded file name, and read back only through the permission-checked route.
"""

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core.errors import UserFacingError

CHUNK = 64 * 1024
_PDF_HEADER = re.compile(rb"^%PDF-\d\.\d")
# The end-of-file marker must be in the last kilobyte (trailing whitespace or junk is common).
EOF_WINDOW = 1024


NO_DOCUMENT = _l("Upload the signed council decision as a PDF.")


class DocumentError(UserFacingError, ValueError):
    """An upload that is not acceptable; `message` is fit for the form field."""


@dataclass(frozen=True)
class CheckedPdf:
    content: bytes
    size: int
    sha256: str


def read_pdf(stream: BinaryIO, max_bytes: int | None = None) -> CheckedPdf:
    """Read an upload, refusing it unless it is a PDF of at most max_bytes."""
    limit = max_bytes if max_bytes is not None else current_app.config["MAX_DOCUMENT_BYTES"]
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise DocumentError(
                _l(
                    "The file is larger than %(mb)d MB. Scan it at a lower resolution or "
                    "leave out pages that are not part of the decision.",
                    mb=limit // (1024 * 1024),
                )
            )
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        raise DocumentError(_l("The file is empty."))
    if not is_pdf(content):
        raise DocumentError(
            _l("This file is not a PDF document. Save or scan the decision as a PDF.")
        )
    return CheckedPdf(content, size, hashlib.sha256(content).hexdigest())


def is_pdf(content: bytes) -> bool:
    return bool(_PDF_HEADER.match(content)) and b"%%EOF" in content[-EOF_WINDOW:]


def new_identifier() -> str:
    return uuid.uuid4().hex


def path_for(identifier: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", identifier):  # never let a stored id walk the tree
        raise ValueError("not a document identifier")
    return Path(current_app.config["UPLOAD_DIR"]) / identifier


def write(identifier: str, content: bytes) -> Path:
    """Write the document; the caller deletes it again if its transaction fails."""
    path = path_for(identifier)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def delete(identifier: str) -> None:
    path_for(identifier).unlink(missing_ok=True)
