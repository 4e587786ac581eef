"""Test harness: one app per session, the schema built by the migrations, data reset per test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL names one
(postgresql+psycopg://...). Tests marked `postgres` are skipped, with the reason, otherwise.
"""

import contextlib
import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from portal import create_app
from portal.core import clock
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.models import Base
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")
# With pytest-xdist (`make test` runs two workers) each worker has a PostgreSQL database of its
# own beside TEST_DATABASE_URL's, made fresh when the worker starts and dropped when it ends.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _admin_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")[0] + "/postgres"


def _recreate(url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


if ON_POSTGRES and XDIST_WORKER:
    _WORKER_DB = f"{PG_URL.rpartition('/')[2]}_{XDIST_WORKER}"
    _recreate(PG_URL, _WORKER_DB)
    PG_URL = f"{PG_URL.rpartition('/')[0]}/{_WORKER_DB}"


def pytest_sessionfinish(session, exitstatus):
    if ON_POSTGRES and XDIST_WORKER:
        _recreate(PG_URL, _WORKER_DB, drop_only=True)  # WITH (FORCE): any connection left


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL.split('@')[-1] if ON_POSTGRES else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://user@host/db"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class FreshGlobalsClient(FlaskClient):
    """Each request gets a fresh `g`, as in production.

    Tests hold an app context open (for factories and queries); a request reuses it, so without
    this the signed-in user and language cached in `g` would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is not None:
            ctx.g = ctx.app.app_ctx_globals_class()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("portal")
    url = PG_URL if ON_POSTGRES else f"sqlite:///{base / 'test.db'}"

    class SuiteConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MAIL_FILE_DIR = str(base / "mail")
        UPLOAD_DIR = str(base / "uploads")

    app = create_app(SuiteConfig)
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        if ON_POSTGRES:
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _reset(app) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables]
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            if ON_POSTGRES:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (table names from metadata)
    for key in ("MAIL_FILE_DIR", "UPLOAD_DIR"):
        shutil.rmtree(app.config[key], ignore_errors=True)
    # Every test starts from an empty database at data version "0": nothing kept may carry over.
    app.extensions.pop("public_cache", None)


@pytest.fixture(autouse=True)
def _clean_state(app):
    _reset(app)
    ctx = app.app_context()
    ctx.push()
    yield
    _db.session.remove()
    ctx.pop()


@pytest.fixture
def strict_app(app):
    """A second app on the suite's database with the protections of development and production."""

    def build(**overrides):
        strict = create_app({**app.config, **overrides})
        built.append(strict)
        return strict

    built = []
    saved = (limiter.enabled, limiter.initialized)
    yield build
    # The limiter object is shared by every app of the process: leave it as the suite had it.
    limiter.enabled, limiter.initialized = saved
    for strict in built:
        with strict.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Mailbox:
    """The mails delivered to MAIL_FILE_DIR, oldest first, parsed."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def last_link(self, address: str, contains: str) -> str:
        """The path of the last link containing `contains` mailed to `address`."""
        for message in reversed(self.to(address)):
            for word in self.body(message).split():
                if contains in word:
                    return "/" + word.split("/", 3)[3]
        raise AssertionError(f"no link with {contains!r} mailed to {address}")


@pytest.fixture
def mailbox(app):
    return Mailbox(app.config["MAIL_FILE_DIR"])


def _form_token(client, url: str) -> dict:
    """The page's CSRF token as form data, when the app checks them."""
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return {}
    page = client.get(url).get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)}


def complete_second_factor(client, user):
    """The code step of signing in, after the password: a code of the user's app."""
    data = {"code": factories.totp_code(user), **_form_token(client, "/account/login/code")}
    response = client.post("/account/login/code", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def set_up_second_factor(client, user) -> list[str]:
    """What a person does on the set-up page: add the key shown to an app, send its code.
    Returns the recovery codes shown."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    factories.TOTP_SECRETS[user.email] = secret
    data = {"code": pyotp.TOTP(secret).at(clock.now_utc())}
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token and client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = token.group(1)
    response = client.post("/account/second-factor", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))


def sign_in(client, user, password=factories.PASSWORD):
    """Sign `client` in as `user`: the password, then, if the user has a second factor, a code."""
    data = {"email": user.email, "password": password, **_form_token(client, "/account/login")}
    response = client.post("/account/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if response.headers["Location"] == "/account/login/code":
        response = complete_second_factor(client, user)
    return response


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user (factories set a known password and
    the second factor of coordinators and administrators); login(user, client=other) another."""

    def _login(user, password=factories.PASSWORD, client=client):
        sign_in(client, user, password)
        return user

    return _login


class Clock:
    """The portal's clock, stopped at the real time and moved on by the test."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch):
    stopped = Clock(clock.now_utc())
    monkeypatch.setattr(clock, "now_utc", stopped)
    return stopped


def queries_of(client, url: str, status: int = 200) -> int:
    """How many SQL statements answering `url` took (it must answer `status`)."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == status
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    return len(statements)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_redis():
    """A redis-server of the test's own on a free port, keeping nothing; yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    from redis import Redis

    client = Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except Exception:  # noqa: BLE001 (still starting)
            time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url():
    with running_redis() as url:
        yield url


@contextlib.contextmanager
def fresh_postgres_database(suffix: str):
    """A new, empty PostgreSQL database beside the suite's (TEST_DATABASE_URL), dropped after;
    yields its URL. For tests whose portal processes need a database of their own."""
    base, _, name = PG_URL.rpartition("/")
    fresh = f"{name}_{suffix}"
    _recreate(PG_URL, fresh)
    try:
        yield f"{base}/{fresh}"
    finally:
        _recreate(PG_URL, fresh, drop_only=True)


def portal_process_env(tmp_path, **settings: str) -> dict:
    """The environment of a portal process started by a test (gunicorn, flask): its own SQLite
    file and instance folder, no gazetteer preload, nothing shared unless `settings` say so."""
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "MAIL_TRANSPORT": "file",
        "PRELOAD_GAZETTEER": "0",
        "FREEZE_LONG_LIVED": "0",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL"):
        env.pop(name, None)
    env.update(settings)
    return env
