"""Response headers that every page gets: no framing, no sniffing, a strict content policy.

Scripts and styles come only from the portal itself (vendored libraries included); the map's
optional tile server is the one outside origin allowed, for images only.
"""

from urllib.parse import urlsplit

from flask import Flask


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

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response
