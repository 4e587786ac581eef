"""Absolute links for e-mails, from a request or, on the command line, from PUBLIC_BASE_URL."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    with current_app.test_request_context(
        "/", base_url=f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}"
    ):
        return url_for(endpoint, _external=True, **values)


def is_local_url(target: str | None) -> bool:
    """Only same-site paths may be redirected to: no scheme, no host, no '//' or '\\' tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
