"""Response headers that every page gets: no framing, no sniffing, a strict content policy.

Scripts and styles come only from the portal itself (vendored libraries included); the map's
optional tile server is the one outside origin allowed, for images only.

Also: `Cache-Control: no-store` on every answer that may hold personal data (see `is_personal`),
HSTS on HTTPS answers when HSTS_MAX_AGE is set (production), and the proxy headers trusted only
from as many proxies as PROXY_COUNT says.
"""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

_READING_METHODS = {"GET", "HEAD", "OPTIONS"}


def _session_changed() -> bool:
    # Read as Flask's own save_session does: through the `session` proxy the session would count
    # as accessed, and every answer would get "Vary: Cookie", the public ones included.
    raw = request_ctx._session
    return raw is not None and raw.modified


def _signed_in() -> bool:
    if "_login_user" in g:
        return bool(g._login_user.is_authenticated)
    cookies = request.cookies
    config = current_app.config
    if config["SESSION_COOKIE_NAME"] not in cookies and (
        config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    ):
        return False  # nothing to be signed in with; the session is left untouched
    return bool(current_user.is_authenticated)


def is_personal(response: Response) -> bool:
    """Whether the answer may hold personal data: for a signed-in user, echoing a posted form
    (the values entered, after an error), or carrying a new session (a form's CSRF token, a
    message). Pages with personal data are for signed-in users or carry a form."""
    return request.method not in _READING_METHODS or _session_changed() or _signed_in()


def content_security_policy(tile_url: str) -> str:
    img = ["'self'", "data:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
        img.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Leaflet and Chart.js set element styles; nothing else is inline.
            "style-src 'self' 'unsafe-inline'",
            "img-src " + " ".join(img),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register(app: Flask) -> None:
    policy = content_security_policy(app.config.get("MAP_TILE_URL", ""))
    hsts_max_age = int(app.config.get("HSTS_MAX_AGE") or 0)
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        # Only then are X-Forwarded-For/-Proto/-Host believed, and only from that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def security_headers(response):
        if is_personal(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        if hsts_max_age and request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"
            )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response
