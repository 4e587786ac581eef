"""Debian's nginx in front of the portal, as production runs them: the shipped site
(deploy/nginx/covenant-portal.conf) on free loopback ports with a self-signed certificate for
portal.test, and one gunicorn started with the command line of the shipped unit
(deploy/systemd/covenant-portal-web@.service) and production's settings behind one proxy.

The site's second app server is a port nothing listens on: nginx finds it refusing and passes
every request on to the running one, as it does while one of the two restarts.

Skipped without /usr/sbin/nginx (`make system-deps` installs Debian's). Also: the shipped
settings file (deploy/portal.env.example) reads in a shell as in systemd, and lacks only the
secret."""

import contextlib
import gzip
import http.client
import json
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import _free_port, portal_process_env

pytestmark = pytest.mark.once  # the same on either database: the SQLite run only (Makefile)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = Path("/usr/sbin/nginx")
OPENSSL = "/usr/bin/openssl"
SITE = ROOT / "deploy" / "nginx" / "covenant-portal.conf"
WEB_UNIT = ROOT / "deploy" / "systemd" / "covenant-portal-web@.service"
HOST = "portal.test"
HSTS = "max-age=31536000; includeSubDomains"

ENV_EXAMPLE = ROOT / "deploy" / "portal.env.example"


@pytest.fixture(scope="module")
def nginx_installed() -> None:
    """Skips the test without Debian's nginx."""
    if not NGINX.exists():
        pytest.skip("needs Debian's nginx: make system-deps (apt-get install nginx)")


def render_site(replacements: list[tuple[str, str]]) -> str:
    """The shipped site with its literal values replaced; each must still be in the file, so
    that the file and this test cannot drift apart unnoticed."""
    site = SITE.read_text()
    for old, new in replacements:
        assert old in site, f"{old!r} is no longer in {SITE.name}: update tests/test_nginx.py"
        site = site.replace(old, new)
    return site


def certificate_values(folder: Path) -> list[tuple[str, str]]:
    """A self-signed certificate for portal.test in `folder`, as the site's replacements."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=DNS:{HOST}", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return [
        ("/etc/letsencrypt/live/portal.example.eu/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/portal.example.eu/privkey.pem", str(key)),
    ]


MAIN_CONF = """\
{user}daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log {folder}/access.log;
    include {folder}/site.conf;
}}
"""


def nginx_conf(folder: Path, site: str) -> Path:
    """A main nginx.conf in `folder` that includes `site` as Debian's includes sites-enabled/,
    with everything nginx writes (pid, logs, temporary files) in `folder`."""
    (folder / "site.conf").write_text(site)
    # Run as root (this machine), nginx's workers would be `nobody`, who may not write to the
    # temporary files' folder pytest made for root only.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(MAIN_CONF.format(user=user, folder=folder))
    return conf


def nginx_command(conf: Path, *args: str) -> list[str]:
    # -e: the error log from the start, before the configuration names one.
    folder = conf.parent
    return [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"), *args]


def web_command(port: int, folder: Path) -> list[str]:
    """The unit's ExecStart for instance `port`, with this checkout's virtualenv and the control
    socket in `folder` (systemd makes /run/covenant-portal-web-%i/ for it)."""
    unit = WEB_UNIT.read_text().replace("\\\n", " ")  # systemd's continued lines
    (line,) = [x for x in unit.splitlines() if x.startswith("ExecStart=")]
    for old, new in [
        ("ExecStart=", ""),
        ("/srv/covenant-portal/.venv/bin/", f"{BIN}/"),
        ("/run/covenant-portal-web-%i/", f"{folder}/"),
        ("%i", str(port)),
    ]:
        assert old in line, f"{old!r} is no longer in {WEB_UNIT.name}'s ExecStart"
        line = line.replace(old, new)
    return shlex.split(line)


def _wait_for(ready, process: subprocess.Popen, what: str, log: Path) -> None:
    """Until `ready()` holds; the end of `log` in the error if the process stops first."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped: {log.read_text()[-2000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within 30 s")


def _listening(port: int) -> bool:
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return True


def _healthy(port: int) -> bool:
    """The portal itself answers /healthz (asked directly, as nginx would)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": HOST})
        return connection.getresponse().status == 200
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def proxy(nginx_installed, tmp_path_factory):
    """nginx on free ports in front of one gunicorn of the portal; both stopped afterwards."""
    folder = tmp_path_factory.mktemp("nginx")
    app_port, closed_port = _free_port(), _free_port()
    http_port, https_port = _free_port(), _free_port()
    env = portal_process_env(
        folder,
        PORTAL_ENV="production",
        SECRET_KEY="nginx-test-only-not-secret",
        PUBLIC_BASE_URL=f"https://{HOST}",
        TRUSTED_HOSTS=HOST,
        PROXY_COUNT="1",
        GUNICORN_WORKERS="1",
        UPLOAD_DIR=str(folder / "uploads"),
    )
    upgraded = subprocess.run(  # noqa: S603
        [str(BIN / "flask"), "--app", "portal", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert upgraded.returncode == 0, upgraded.stderr

    app_log = folder / "gunicorn.log"
    with app_log.open("w") as out:
        portal = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
            web_command(app_port, folder), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        site = render_site(
            certificate_values(folder)
            + [
                ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                ("listen [::]:80;", ""),  # one loopback address is enough here
                ("listen [::]:443 ssl http2;", ""),
                ("server_name portal.example.eu;", f"server_name {HOST};"),
                ("root /srv/covenant-portal;", f"root {ROOT};"),
                ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
                ("server 127.0.0.1:8001;", f"server 127.0.0.1:{closed_port};"),
                ("/var/log/nginx/", f"{folder}/"),
            ]
        )
        conf = nginx_conf(folder, site)
        server = subprocess.Popen(  # noqa: S603
            nginx_command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except Exception:
        _stop(portal)
        raise
    try:
        _wait_for(lambda: _healthy(app_port), portal, "gunicorn", app_log)
        _wait_for(lambda: _listening(https_port), server, "nginx", folder / "error.log")
        tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        yield SimpleNamespace(
            https_port=https_port,
            http_port=http_port,
            closed_port=closed_port,
            tls=tls,
            folder=folder,
            app_log=app_log,
        )
    finally:
        _stop(server)
        _stop(portal)


class _Connection(http.client.HTTPSConnection):
    """HTTPS to nginx on 127.0.0.1 with portal.test as the TLS server name (SNI), its
    certificate checked against that name, as a browser does with the real one."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(proxy, path: str, method: str = "GET", headers: dict | None = None, body=None):
    """(answer, its body as sent) for `path` through nginx over HTTPS."""
    connection = _Connection(HOST, proxy.https_port, context=proxy.tls, timeout=15)
    try:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        answer = connection.getresponse()
        return answer, answer.read()
    finally:
        connection.close()


def _log_lines(path: Path) -> list[dict]:
    lines = []
    for text in path.read_text().splitlines():
        with contextlib.suppress(ValueError):  # gunicorn's own plain lines; one half written
            lines.append(json.loads(text))
    return lines


def _logged(log: Path, request_id: str, wait: bool = True) -> list[dict]:
    """The lines of a JSON log with `request_id`. nginx and gunicorn write theirs just after
    the answer: waited for, up to 2 s, unless `wait` is false."""
    for _ in range(20 if wait else 1):
        lines = [x for x in _log_lines(log) if x.get("request_id") == request_id]
        if lines:
            return lines
        time.sleep(0.1)
    return []


def test_the_shipped_site_passes_nginx_t_as_shipped(nginx_installed, tmp_path):
    # Everything as an operator installs it (ports 80 and 443, IPv6, the upstream, the static
    # root) but the certificate, which must exist, and the logs, which must be writable.
    site = render_site(certificate_values(tmp_path) + [("/var/log/nginx/", f"{tmp_path}/")])
    checked = subprocess.run(  # noqa: S603
        nginx_command(nginx_conf(tmp_path, site), "-t"), capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr


def test_a_page_comes_over_https_compressed_with_hsts_once(proxy):
    answer, body = fetch(proxy, "/members", headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.getheader("Content-Type").startswith("text/html")
    assert answer.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in answer.getheader("Vary")
    assert "</html>" in gzip.decompress(body).decode()
    # The portal's own (production sends one on HTTPS) is dropped for nginx's, on every answer.
    assert answer.headers.get_all("Strict-Transport-Security") == [HSTS]
    assert answer.getheader("Content-Security-Policy")  # the portal's own headers pass through

    plain, body = fetch(proxy, "/members")
    assert plain.getheader("Content-Encoding") is None
    assert "</html>" in body.decode()


def test_static_files_come_from_disk_with_a_cache_lifetime(proxy):
    answer, body = fetch(proxy, "/static/css/portal.css")
    assert answer.status == 200
    assert body == (ROOT / "static" / "css" / "portal.css").read_bytes()
    assert answer.getheader("Content-Type") == "text/css"
    assert answer.getheader("Cache-Control") == "max-age=3600"  # no version in the address
    assert answer.getheader("Expires")
    assert answer.getheader("Content-Security-Policy") is None  # nginx's answer, not the portal's
    assert answer.headers.get_all("Strict-Transport-Security") == [HSTS]

    # The vendored libraries' folders carry their version: kept a year. Compressed, with the
    # type nginx's mime.types lacks.
    outlines = "/static/vendor/world-atlas-2.0.2/europe-50m.geojson"
    answer, body = fetch(proxy, outlines, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.getheader("Content-Type") == "application/geo+json"
    assert answer.getheader("Cache-Control") == "max-age=31536000"
    assert answer.getheader("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(body))["type"] == "FeatureCollection"

    missing, _ = fetch(proxy, "/static/css/no-such-file.css")
    assert missing.status == 404


def test_the_portal_sees_https_and_the_public_host(proxy):
    # Werkzeug's redirect from a doubled slash is built from the scheme and host the portal
    # was given: X-Forwarded-Proto and -Host, believed with PROXY_COUNT=1.
    answer, _ = fetch(proxy, "/account//login")
    assert answer.status == 308
    assert answer.getheader("Location") == f"https://{HOST}/account/login"

    answer, _ = fetch(proxy, "/account")
    assert answer.status == 302
    assert answer.getheader("Location").startswith("/account/login")
    cookie = answer.getheader("Set-Cookie")
    assert "; Secure" in cookie and "; HttpOnly" in cookie

    # Any other Host is refused by the portal (TRUSTED_HOSTS).
    answer, _ = fetch(proxy, "/members", headers={"Host": "evil.example"})
    assert answer.status == 400


def test_the_request_id_is_the_clients_or_nginxs_and_reaches_the_portal(proxy):
    answer, _ = fetch(proxy, "/healthz", headers={"X-Request-ID": "edge-lb-0123456789"})
    assert answer.headers.get_all("X-Request-ID") == ["edge-lb-0123456789"]
    assert _logged(proxy.app_log, "edge-lb-0123456789")

    # None sent, or one the portal would not keep: nginx's own, the portal's too.
    for headers in ({}, {"X-Request-ID": "not a sane id!"}):
        answer, _ = fetch(proxy, "/healthz", headers=headers)
        (given,) = answer.headers.get_all("X-Request-ID")
        assert re.fullmatch(r"[0-9a-f]{32}", given)
        assert _logged(proxy.app_log, given)


def test_plain_http_is_redirected_to_https(proxy):
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    try:
        connection.request("GET", "/members?page=2", headers={"Host": HOST})
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 301
    assert answer.getheader("Location") == f"https://{HOST}/members?page=2"


def test_an_upload_over_the_portals_limit_is_refused_by_nginx(proxy):
    headers = {"Content-Type": "application/octet-stream"}
    refused, _ = fetch(proxy, "/apply", "POST", headers, body=b"x" * (12 * 1024 * 1024))
    assert refused.status == 413
    assert refused.getheader("Strict-Transport-Security") == HSTS

    # Under the limit, the upload gets to the portal (which refuses it: no form token).
    passed, _ = fetch(proxy, "/apply", "POST", headers, body=b"x" * (10 * 1024 * 1024))
    assert passed.status != 413
    assert passed.getheader("Content-Security-Policy")  # the portal's answer
    # The portal logged the second and never saw the first.
    assert _logged(proxy.app_log, passed.getheader("X-Request-ID"))
    assert not _logged(proxy.app_log, refused.getheader("X-Request-ID"), wait=False)


def test_a_server_that_refuses_is_passed_over(proxy):
    statuses = [fetch(proxy, "/healthz")[0].status for _ in range(4)]
    assert statuses == [200] * 4
    # Each request went to the closed port once in a while, and on to the running server.
    errors = (proxy.folder / "covenant-portal.error.log").read_text()
    assert f"127.0.0.1:{proxy.closed_port}" in errors
    assert "Connection refused" in errors


def test_the_access_log_has_the_request_id_and_no_link_secret(proxy):
    answer, _ = fetch(proxy, "/account/confirm/secret-link-token-42?next=/x")
    request_id = answer.getheader("X-Request-ID")
    log = proxy.folder / "covenant-portal.access.log"
    (line,) = _logged(log, request_id)
    assert line["path"] == "/account/confirm/[redacted]"
    assert line["status"] == answer.status
    assert "secret-link-token-42" not in log.read_text()


def test_the_settings_example_reads_in_a_shell_and_lacks_only_the_secret():
    # Read as README's one-off commands read it; then production's settings, as config.py
    # builds them, with nothing of this machine's environment but PATH.
    check = """
import json, os
from config import ConfigError, ProductionConfig
try:
    ProductionConfig()
    missing = ""
except ConfigError as error:
    missing = str(error)
os.environ["SECRET_KEY"] = "filled-in"
config = ProductionConfig()
print(json.dumps({"missing": missing, "proxies": config.PROXY_COUNT,
                  "hosts": config.TRUSTED_HOSTS, "sender": config.MAIL_SENDER}))
"""
    read = subprocess.run(  # noqa: S603
        ["/bin/sh", "-c", 'set -a; . "$0"; set +a; exec "$1" -c "$2"']
        + [str(ENV_EXAMPLE), sys.executable, check],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert read.returncode == 0, read.stderr
    settings = json.loads(read.stdout)
    assert settings["missing"].endswith(": SECRET_KEY")
    assert settings["proxies"] == 1
    assert settings["hosts"] == ["portal.example.eu"]
    assert settings["sender"] == "Covenant portal <no-reply@portal.example.eu>"
