"""Absolute links for e-mails: from PUBLIC_BASE_URL on the command line and in production, where
a request's Host header (the sender's to choose) never makes a link; in development from the
request, so that links work on whatever address the portal is tried."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context() and current_app.config.get("LINKS_FROM_REQUEST", True):
        return url_for(endpoint, _external=True, **values)
    # Built on the URL map alone: a request context of its own, pushed inside a request, would
    # run the request teardowns (the mail delivery among them) when it ends.
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def is_local_url(target: str | None) -> bool:
    """Only same-site paths may be redirected to: no scheme, no host, no '//' or '\\' tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
