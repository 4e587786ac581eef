"""Logs: the main journeys logged at DEBUG by every logger hold no password, token, cookie or
CSRF token; Werkzeug's access log blanks the tokens of mailed links; every record carries the
request id."""

import contextlib
import io
import logging
import re
import threading
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.core.logs import REDACTED, RequestFilter, configure_logging, redact
from portal.models import Member
from tests import factories

PASSWORD = "seven tired otters swim"
NEW_PASSWORD = "a quieter river at dusk"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def everything_logged(caplog):
    """Every logger of the process at DEBUG, into caplog; levels put back afterwards."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled


class Journey:
    """A browser-like client: reads each form's CSRF token and keeps every secret it meets."""

    def __init__(self, client):
        self.client = client
        self.secrets: set[str] = set()

    def form_post(self, form_url, url=None, **kwargs):
        page = self.client.get(form_url).get_data(as_text=True)
        token = CSRF.search(page).group(1)
        self.secrets.add(token)
        data = {**kwargs.pop("data", {}), "csrf_token": token}
        response = self.client.post(url or form_url, data=data, **kwargs)
        cookie = self.client.get_cookie("session")
        if cookie is not None:
            self.secrets.add(cookie.value)
        return response


def leaked(secret: str, output: str, window: int = 20) -> bool:
    """Whether the secret, or any part of it as long as `window`, is in the output (a log line
    may cut a long value short in its middle)."""
    if len(secret) <= window:
        return secret in output
    return any(secret[i : i + window] in output for i in range(len(secret) - window + 1))


def test_the_main_journeys_leave_no_secret_in_the_logs(
    app, db, client, mailbox, monkeypatch, everything_logged
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    coordinator = factories.make_coordinator("DE", email="coordinator@land-nrw.example.eu")
    visitor = Journey(client)
    email = "anna.schmidt@stadt-koeln.example.eu"
    visitor.secrets.update({PASSWORD, NEW_PASSWORD, factories.PASSWORD})

    visitor.form_post(
        "/account/register",
        data={"name": "Anna", "email": email, "password": PASSWORD, "password_again": PASSWORD},
    )
    confirm = mailbox.last_link(email, "/account/confirm/")
    visitor.secrets.add(confirm.rsplit("/", 1)[1])
    assert client.get(confirm).status_code == 302

    wrong = visitor.form_post(
        "/account/login", data={"email": email, "password": "not the password at all"}
    )
    assert "password is wrong" in wrong.get_data(as_text=True)
    visitor.form_post("/account/password", data={"email": email})
    reset = mailbox.last_link(email, "/account/password/")
    visitor.secrets.add(reset.rsplit("/", 1)[1])
    response = visitor.form_post(
        reset, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 302
    response = visitor.form_post("/account/login", data={"email": email, "password": NEW_PASSWORD})
    assert response.status_code == 302

    data = factories.application_form()
    data["council_decision"] = (io.BytesIO(factories.pdf_bytes()), "decision.pdf")
    response = visitor.form_post("/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    member = db.session.scalars(select(Member)).one()

    reviewer = Journey(app.test_client())
    reviewer.form_post(
        "/account/login", data={"email": coordinator.email, "password": factories.PASSWORD}
    )
    code = factories.totp_code(coordinator)
    reviewer.secrets.add(code)
    reviewer.form_post("/account/login/code", data={"code": code})
    response = reviewer.form_post(
        f"/review/{member.id}/decide",
        data={"decision": "approve", "version": member.version, "comment": "Welcome"},
    )
    assert response.status_code == 302
    assert "approved" in mailbox.body(mailbox.to(email)[-1])

    output = everything_logged.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in everything_logged.records
    )
    assert everything_logged.records, "nothing was logged: the capture does not work"
    for secret in visitor.secrets | reviewer.secrets:
        assert not leaked(secret, output)


def test_access_log_of_a_real_server_blanks_the_tokens_of_mailed_links(app, everything_logged):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        for path in (
            "/account/confirm/SECRET.confirm-token",
            "/account/password/SECRET.reset-token?x=1",
            "/account/login?next=/&token=SECRET-query",
        ):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, timeout=10).close()  # noqa: S310 (loopback)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    access = [r for r in everything_logged.records if r.name == "werkzeug"]
    assert len(access) >= 3
    text = "\n".join(r.getMessage() for r in access)
    assert "SECRET" not in text
    assert f"/account/confirm/{REDACTED}" in text


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('"GET /account/confirm/abc.def-ghi HTTP/1.1" 302 -', "/account/confirm/[redacted] "),
        ('"POST /account/password/tok_en HTTP/1.1" 200 -', "/account/password/[redacted] "),
        ('"GET /team/join/xyz?ref=1 HTTP/1.1" 200 -', "/team/join/[redacted]?ref=1"),
        ('"GET /members?page=2 HTTP/1.1" 200 -', "/members?page=2"),
        ('"GET /x?reset_token=abc&page=2 HTTP/1.1"', "?reset_token=[redacted]&page=2"),
        ('"GET /x?a=1&password=hunter2 HTTP/1.1"', "&password=[redacted] "),
    ],
)
def test_redact(line, kept):
    assert kept in redact(line)


def test_records_carry_the_request_id(app):
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    with app.test_request_context("/", headers={"X-Request-ID": "abcdef12-3456"}):
        RequestFilter().filter(record)
    assert record.request_id == "abcdef12-3456"
    outside = logging.LogRecord("portal", logging.INFO, __file__, 1, "hello", (), None)
    RequestFilter().filter(outside)
    assert outside.request_id == "-"
    # The portal's handler on the root logger applies the filter and prints the id (the
    # migrations' logging set-up replaced the root's handlers at the start of the suite).
    configure_logging()
    (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "_portal", False)]
    assert any(isinstance(f, RequestFilter) for f in handler.filters)
    assert "%(request_id)s" in handler.formatter._fmt
