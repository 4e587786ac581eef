"""Absolute links for e-mails: from PUBLIC_BASE_URL on the command line and in production, where
a request's Host header (the sender's to choose) never makes a link; in development from the
request, so that links work on whatever address the portal is tried."""

from collections.abc import Callable
from urllib.parse import quote, urlsplit

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


_MARK = "url-value-placeholder-0"


def url_builder(endpoint: str, name: str, **values) -> Callable[[object], str]:
    """value -> url_for(endpoint, **values, name=value), from one url_for: for the many links of
    a page that differ in one value (pages of a list, members in a table). The same address for
    values of letters, digits and "-_.~" (page numbers, sort keys, slugs); any other character
    is percent-encoded, where url_for might leave some as they are."""
    head, _mark, tail = url_for(endpoint, **values, **{name: _MARK}).partition(_MARK)
    return lambda value: head + quote(str(value), safe="") + tail
