"""Several portal processes behind one proxy count their rate limits together when REDIS_URL is
set: two gunicorn processes on one database and one Redis, and the same visitor's requests
spread over both. Without Redis each process counts alone (the embedded default)."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import _free_port, portal_process_env

pytestmark = pytest.mark.once  # the same on either database: the SQLite run only (Makefile)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIMIT = 120  # portal.places.views: the place search, per minute and address
# An unknown country is answered at once (400) without the gazetteer; the limit counts it.
SEARCH = "/places/search?q=ab&country=XX"


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Portal:
    """One gunicorn process of the portal on a free port."""

    def __init__(self, env: dict):
        self.port = _free_port()
        self.process = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
            [
                str(BIN / "gunicorn"),
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",  # two at once: they would share the default path
                "portal:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(self.port, "/healthz") == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the portal did not start within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture
def portal_env(tmp_path):
    env = portal_process_env(tmp_path)
    upgraded = subprocess.run(  # noqa: S603
        [str(BIN / "flask"), "--app", "portal", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    return env


def _spread_over(portals: list[Portal], requests: int) -> list[int]:
    return [_get(portals[n % len(portals)].port, SEARCH) for n in range(requests)]


def _two(env: dict) -> list[Portal]:
    first = Portal(env)
    try:
        return [first, Portal(env)]
    except Exception:
        first.stop()
        raise


def test_with_redis_two_processes_count_one_visitors_requests_together(portal_env, redis_url):
    portals = _two({**portal_env, "REDIS_URL": redis_url})
    try:
        assert all(_get(p.port, "/readyz") == 200 for p in portals)
        statuses = _spread_over(portals, LIMIT + 10)
    finally:
        for portal in portals:
            portal.stop()
    assert statuses[:LIMIT] == [400] * LIMIT
    assert statuses[LIMIT:] == [429] * 10


def test_without_redis_each_process_counts_alone(portal_env):
    portals = _two(portal_env)
    try:
        statuses = _spread_over(portals, LIMIT + 10)
    finally:
        for portal in portals:
            portal.stop()
    assert 429 not in statuses  # 65 each: under the limit of either
