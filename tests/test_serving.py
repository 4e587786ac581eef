"""Serving as production does: deploy/gunicorn.conf.py (workers from the CPU count, JSON access
log with the request id and no query string) and the portal's own JSON log lines."""

import json
import logging
import multiprocessing
import runpy
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from portal.core import logs
from tests import factories
from tests.conftest import _free_port, portal_process_env

pytestmark = pytest.mark.once  # the same on either database: the SQLite run only (Makefile)

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def test_the_settings_follow_the_cpu_count_and_the_environment(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(CONF))
    assert settings["workers"] == multiprocessing.cpu_count() + 1
    assert settings["threads"] == 4
    assert settings["worker_class"] == "gthread"
    assert settings["graceful_timeout"] <= settings["timeout"]
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(CONF))["workers"] == 3


def test_the_access_log_is_json_with_the_request_id_and_no_query(tmp_path):
    port = _free_port()
    env = portal_process_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [str(gunicorn), "-c", str(CONF), "portal:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}/healthz?token=very-secret",
            headers={"X-Request-ID": "edge-proxy-0123456789"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.headers["X-Request-ID"] == "edge-proxy-0123456789"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (entry,) = [e for e in lines if e["request_id"] == "edge-proxy-0123456789"]
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert entry["method"] == "GET"
    assert "very-secret" not in output


def _record(message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord("portal.test", logging.INFO, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_json_log_line_names_the_request_and_the_user_by_id_only(app):
    from flask_login import login_user

    user = factories.make_user(email="mayor@stadt.example.de")
    with app.test_request_context(headers={"X-Request-ID": "req-abcdef12"}):
        login_user(user)
        record = _record("opened /account/confirm/abc123def?token=xyz")
        record.levelname = "WARNING"
        assert logs.RequestFilter().filter(record)
        line = logs.JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "req-abcdef12"
    assert entry["user_id"] == user.id
    assert entry["level"] == "WARNING"
    assert "mayor@stadt.example.de" not in line
    assert "abc123def" not in line and "xyz" not in line
    assert entry["time"].endswith("+00:00")


def test_the_format_is_json_in_production_and_text_elsewhere(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    assert logs.log_format() == "json"
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert logs.log_format() == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert logs.log_format() == "json"


def test_outside_a_request_the_line_has_no_user(app):
    entry = json.loads(logs.JsonFormatter().format(_record("started", request_id="-")))
    assert entry == {
        "time": entry["time"],
        "level": "INFO",
        "logger": "portal.test",
        "request_id": "-",
        "message": "started",
    }
