"""Take the README's pictures: the main public pages at desktop and phone width, on demo data.

    .venv/bin/python scripts/screenshots.py [--out static/screenshots]

It builds a demo database of its own in a temporary folder (`flask db upgrade`, `flask demo
seed`), serves it with gunicorn on a free loopback port, and photographs each page with Debian's
Chromium through Playwright (nothing outside 127.0.0.1 is fetched), at 1280 and 390 CSS pixels.
Run it again after a change to a page the README shows, and commit the pictures.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
PAGES = [
    ("home", "/"),
    ("members", "/members?country=DE"),
    ("map", "/map"),
    ("stats", "/stats"),
]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict, *args: str) -> None:
    command = [str(BIN / "flask"), "--app", "portal", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own command)


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the portal did not answer at {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "static" / "screenshots")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-shots-"))
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
        "PORTAL_INSTANCE_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "seed")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
         "portal:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/healthz")
        from playwright.sync_api import sync_playwright

        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    base_url=base, viewport={"width": width, "height": height}, locale="en-GB"
                )
                page = context.new_page()
                page.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(base) else route.abort()
                    ),
                )
                for name, path in PAGES:
                    page.goto(path)
                    if name == "map":
                        page.wait_for_selector("#member-map[data-drawn-ms]", state="attached")
                        if width_name == "phone":  # the map comes below the filters there
                            page.locator("#member-map").scroll_into_view_if_needed()
                    if name == "stats":
                        page.wait_for_timeout(800)  # the charts' short animation
                    target = args.out / f"{name}-{width_name}.png"
                    page.screenshot(path=str(target))
                    print(f"{target.relative_to(ROOT)}")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
