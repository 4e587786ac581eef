"""Scale-out: two portal processes (gunicorn, on two ports) share one PostgreSQL and one Redis,
with `flask worker` as a third process, as on two application servers behind a proxy.

- a session made on one is valid on the other, and signing out on one ends it on both;
- a rate limit counts the attempts made on both;
- a change made through one shows at once on the other (whose public cache held the old page);
- the worker delivers the mails that either process queued.

The processes run the development configuration with the production parts switched on: Redis
(sessions, rate limits, shared public cache, the worker's wake-up), mail left to the worker, one
proxy trusted (each test speaks as a visitor of its own through X-Forwarded-For).
"""

import email
import email.policy
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests import factories
from tests.conftest import (
    _free_port,
    fresh_postgres_database,
    portal_process_env,
    running_redis,
)

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OFFICER = "officer@clusterstadt.example.de"
ACTION = "Bollards on the station square"
# A member with its representative and one published action, made by the test factories.
SEED = f"""
from portal import create_app
from tests import factories
app = create_app()
with app.app_context():
    officer = factories.make_user(email="{OFFICER}")
    member = factories.make_member(name="Clusterstadt", representatives=[officer])
    factories.make_action(member, title="{ACTION}")
"""
HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTR = re.compile(r'(name|value)="([^"]*)"')


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [str(BIN / "flask"), "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _wait_for(url: str, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within 30 s")


class Process:
    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        # SIGINT: gunicorn's quick shutdown (no wait for idle keep-alive connections); the
        # worker stops on it as on SIGTERM.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Cluster:
    def __init__(self, env: dict, folder: Path):
        self.env = env
        self.folder = folder
        self.processes: list[Process] = []
        self.ports = [_free_port(), _free_port()]

    def start(self) -> None:
        for n, port in enumerate(self.ports):
            args = [str(BIN / "gunicorn"), "-w", "1", "--threads", "4"]
            args += ["-b", f"127.0.0.1:{port}", "--no-control-socket", "portal:create_app()"]
            self.processes.append(Process(args, self.env, self.folder / f"web{n}.log"))
        worker = [str(BIN / "flask"), "--app", "portal", "worker"]
        self.processes.append(Process(worker, self.env, self.folder / "worker.log"))
        for port in self.ports:
            _wait_for(f"http://127.0.0.1:{port}/readyz", f"the portal on port {port}")

    def url(self, n: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[n]}{path}"

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    with running_redis() as redis_url, fresh_postgres_database("cluster") as database_url:
        env = portal_process_env(
            folder,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            MAIL_DELIVER_AFTER_REQUEST="0",
            MAIL_FILE_DIR=str(folder / "mail"),
            WORKER_POLL_SECONDS="30",  # what arrives in time came through the Redis wake-up
            PROXY_COUNT="1",
        )
        _flask(env, "db", "upgrade")
        seeded = subprocess.run(  # noqa: S603 (our own code)
            [sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        cluster = Cluster(env, folder)
        cluster.representative = (OFFICER, factories.PASSWORD)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()


class Visitor:
    """One browser: its cookies, and the address the proxy says it comes from."""

    count = 0

    def __init__(self, cluster: Cluster):
        Visitor.count += 1
        self.cluster = cluster
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = f"203.0.113.{Visitor.count}"
        # A connection per request: one kept alive may be closed by gunicorn (after its
        # keep-alive of 2 s, as a loaded machine lets pass) just as it is used again, and the
        # request then fails with "connection reset by peer".
        self.http.headers["Connection"] = "close"

    def get(self, n: int, path: str) -> requests.Response:
        return self.http.get(self.cluster.url(n, path), allow_redirects=False, timeout=10)

    def post_form(self, n: int, page: str, data: dict, action: str | None = None):
        """Fill in the form of `page` (its hidden fields: CSRF, one-time token) and send it."""
        html = self.get(n, page).text
        hidden = {}
        for tag in HIDDEN.findall(html):
            attrs = dict(ATTR.findall(tag))
            if "name" in attrs:
                hidden[attrs["name"]] = attrs.get("value", "")
        return self.http.post(
            self.cluster.url(n, action or page),
            data={**hidden, **data},
            allow_redirects=False,
            timeout=10,
        )

    def sign_in(self, n: int, address: str, password: str) -> requests.Response:
        return self.post_form(n, "/account/login", {"email": address, "password": password})


def test_a_session_made_on_one_process_is_valid_on_the_other(cluster):
    visitor = Visitor(cluster)
    signed_in = visitor.sign_in(0, *cluster.representative)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/dashboard"

    other = visitor.get(1, "/account")
    assert other.status_code == 200
    assert cluster.representative[0] in other.text

    # Signing out on the second ends the session on the first too.
    out = visitor.post_form(1, "/account", {}, action="/account/logout")
    assert out.status_code == 302
    for n in (0, 1):
        after = visitor.get(n, "/account")
        assert after.status_code == 302 and "/account/login" in after.headers["Location"]


def test_the_sign_in_limit_counts_attempts_made_on_both_processes(cluster):
    visitor = Visitor(cluster)
    address = cluster.representative[0]
    statuses = [visitor.sign_in(n % 2, address, "not the password").status_code for n in range(24)]
    # 20 a quarter of an hour per address (portal.auth.views.login), spread over both.
    assert statuses[:20] == [200] * 20
    assert statuses[20:] == [429] * 4
    # Another visitor is not held up by it.
    assert Visitor(cluster).sign_in(1, address, "not the password").status_code == 200


def test_a_change_made_through_one_process_shows_at_once_on_the_other(cluster):
    visitor = Visitor(cluster)
    assert visitor.sign_in(0, *cluster.representative).status_code == 302
    dashboard = visitor.get(0, "/dashboard").text
    plan = re.search(r'href="(/plans/\d+)"', dashboard).group(1)
    plan_page = visitor.get(0, plan).text
    member_page_path = re.search(r'href="(/members/[a-z0-9-]+)"', plan_page).group(1)

    public = Visitor(cluster)
    before = public.get(1, member_page_path)
    assert before.status_code == 200 and ACTION in before.text
    title = ACTION
    assert public.get(1, member_page_path).text == before.text  # now kept in process 1's cache

    action_path = re.search(
        r'<a href="(/actions/\d+)"[^>]*>' + re.escape(title) + "</a>", plan_page
    ).group(1)
    unpublished = visitor.post_form(0, action_path, {}, action=f"{action_path}/unpublish")
    assert unpublished.status_code == 302

    after = public.get(1, member_page_path)
    assert after.status_code == 200 and title not in after.text

    visitor.post_form(0, action_path, {}, action=f"{action_path}/publish")
    assert title in public.get(1, member_page_path).text


def test_the_worker_delivers_the_mails_either_process_queued(cluster):
    mail_dir = Path(cluster.env["MAIL_FILE_DIR"])
    addresses = ["first.officer@gemeinde.example.at", "second.officer@gmina.example.pl"]
    for n, address in enumerate(addresses):
        visitor = Visitor(cluster)
        answer = visitor.post_form(
            n,
            "/account/register",
            {
                "name": f"Officer {n}",
                "email": address,
                "password": "four words make a password",
                "password_again": "four words make a password",
            },
        )
        assert answer.status_code == 200 and "confirmation link" in answer.text

    def delivered() -> dict[str, email.message.EmailMessage]:
        found = {}
        for path in mail_dir.glob("*.eml") if mail_dir.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            found[message["To"]] = message
        return found

    # The worker polls every 30 s: mails that arrive sooner came through its Redis wake-up.
    deadline = time.monotonic() + 10
    while not set(addresses) <= delivered().keys() and time.monotonic() < deadline:
        time.sleep(0.1)
    mails = delivered()
    assert set(addresses) <= mails.keys()
    for address in addresses:
        assert mails[address]["Auto-Submitted"] == "auto-generated"
        assert mails[address]["Message-ID"].endswith("@covenant.localhost>")  # MAIL_SENDER's
