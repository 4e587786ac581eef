"""Load: 200 visitors on the public pages while cities join and report progress, on the scale
data, on PostgreSQL and Redis; one portal process, then two behind the shipped nginx.

    .venv/bin/python benchmarks/load.py [--duration 45] [--visitors 200] [--joiners 4]
                                        [--reporters 4] [--only one|nginx] [--no-readme]

Locust (its library, in this process) plays three kinds of user for --duration seconds, each
with an address of its own (X-Forwarded-For, trusted from the one proxy before the portal):
  - visitors, with no pause between pages: the directory, a search, a country by population,
    page 40 of a country, a member page, the map, the statistics, the API;
  - joiners, each going through the whole journey again and again: the registration form, the
    confirmation link from the mail (read from the mail folder the worker delivers to), the
    sign-in, the application with its council decision (a PDF), submitted;
  - reporters, each signed in as the representative of a few hundred members (benchmarks/
    writer.py's set-up) and reporting progress on one of their actions after another.
The portal runs as production does: gunicorn with deploy/gunicorn.conf.py (workers from the
CPU count, 4 threads each), mail left to `flask worker` (a process of its own), sessions, rate
limits and the shared cache in Redis. It prints, per kind of request and in all, the
throughput, p50, p95 and p99 latency and the errors, and writes the table into README.md.

The database is benchmarks/run.py's (BENCH_POSTGRES_URL, default portal_bench), with its scale
data loaded if missing (about a minute). Everything runs on this machine: the portal, nginx,
PostgreSQL, Redis and the load itself share its cores.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import email  # noqa: E402
import email.policy  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402
    BIN,
    DEFAULT_PG,
    ROOT,
    free_port,
    get,
    load_scale_data,
    portal_env,
    prepare_postgres,
    write_readme,
)
from writer import PASSWORD as WRITER_PASSWORD  # noqa: E402
from writer import WRITER_EMAIL  # noqa: E402

HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTR = re.compile(r'(name|value)="([^"]*)"')
PASSWORD = "four quiet words for load"  # noqa: S105 (throwaway accounts of the benchmark)
_addresses = itertools.count(1)
_joiners = itertools.count(1)
RUN = f"{random.getrandbits(24):06x}"  # the joiners' municipalities are new on every run


def _address() -> str:
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def hidden_fields(html: str) -> dict:
    fields = {}
    for tag in HIDDEN.findall(html):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


class Portal:
    """What the users need to know of the portal under test; set before they start."""

    pages: list[tuple[str, str]] = []
    # The site's address as a browser has it: behind nginx the portal is portal.test on 443
    # (nginx listens on a free port here), and a form posted over HTTPS must come with a
    # Referer on the same origin, as browsers send it (Flask-WTF's check).
    origin: str = ""
    host: str | None = None
    mail_dir: Path = Path()
    actions: list[int] = []
    pdf: bytes = b""


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    insecure = True  # nginx's certificate is self-signed for portal.test
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.new_address()

    def new_address(self) -> None:
        self.headers = {"X-Forwarded-For": _address(), "Accept-Encoding": "gzip"}
        if Portal.host:
            self.headers["Host"] = Portal.host

    def get(self, path: str, name: str):
        return self.client.get(path, name=name, headers=self.headers)

    def form(self, page: str, data: dict, name: str, action: str | None = None, expect=302):
        """Fill in the form of `page` (its CSRF and one-time tokens) and send it; the answer
        counts as failed unless its status is `expect`."""
        shown = self.get(page, f"{name} (form)")
        if shown.status_code != 200:
            return None
        body = urlencode({**hidden_fields(shown.text), **data})
        return self._post(action or page, body.encode(), FORM, name, expect, page)

    def multipart_form(self, page: str, data: dict, files: dict, name: str, expect=302):
        shown = self.get(page, f"{name} (form)")
        if shown.status_code != 200:
            return None
        boundary = f"----portal{random.getrandbits(64):016x}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in {**hidden_fields(shown.text), **data}.items()
        ]
        for key, (filename, content, kind) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
            )
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._post(page, body, f"multipart/form-data; boundary={boundary}", name, expect)

    def _post(self, path: str, body: bytes, kind: str, name: str, expect: int, page: str = ""):
        headers = {**self.headers, "Content-Type": kind, "Referer": Portal.origin + (page or path)}
        with self.client.post(
            path, data=body, headers=headers, name=name, allow_redirects=False,
            catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == expect:
                answer.success()
            else:
                said = re.findall(r'class="field-error"[^>]*>(.*?)</p>', answer.text or "", re.S)
                why = " ".join(re.sub(r"<[^>]+>|\s+", " ", t).strip() for t in said)[:200]
                answer.failure(
                    f"{answer.status_code} instead of {expect}: {why or 'no field error'}"
                )
        return answer


FORM = "application/x-www-form-urlencoded"


class Visitor(PortalUser):
    """A member of the public going from page to page."""

    @task
    def page(self) -> None:
        name, path = random.choice(Portal.pages)
        self.get(path, name)


class Joiner(PortalUser):
    """A city officer joining: register, confirm, sign in, apply with the council decision."""

    @task
    def join(self) -> None:
        self.client.cookiejar.clear()
        self.new_address()  # every journey another municipality's office
        n = next(_joiners)
        address = f"officer{n}.{random.getrandbits(32):08x}@gemeinde{n}.example.at"
        started = time.time()
        registered = self.form(
            "/account/register",
            {"name": f"Officer {n}", "email": address, "password": PASSWORD,
             "password_again": PASSWORD},
            "join: register",
            expect=200,
        )  # fmt: skip
        if registered is None or registered.status_code != 200:
            return
        waited = time.monotonic()
        link = self._confirmation_link(address, started)
        self.environment.events.request.fire(
            request_type="MAIL",
            name="join: confirmation mail delivered",
            response_time=(time.monotonic() - waited) * 1000,
            response_length=0,
            exception=None if link else TimeoutError("no mail within 10 s"),
            context={},
        )
        if link is None:
            return
        self.get(link, "join: confirm")
        signed_in = self.form(
            "/account/login", {"email": address, "password": PASSWORD}, "join: sign in"
        )
        if signed_in is None or signed_in.status_code != 302:
            return
        data = {
            "name": f"Lastdorf {RUN} {n}",
            "country": "AT",
            "region": "Tirol",
            "population": str(1000 + n),
            "latitude": "47.26",
            "longitude": "11.39",
            "website": f"https://www.lastdorf{n}.example.at",
            "mayor_name": f"Mayor {n}",
            "council_decision_date": "2026-03-08",
            "contact_name": f"Officer {n}",
            "contact_email": address,
            "contact_phone": "+43 512 5360",
            "accept_commitments": "y",
            "geonames_id": "",
            "action": "submit",
        }
        files = {"council_decision": ("decision.pdf", Portal.pdf, "application/pdf")}
        self.multipart_form("/apply", data, files, "join: application")

    def _confirmation_link(self, address: str, since: float) -> str | None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for path in Portal.mail_dir.glob("*.eml"):
                try:
                    if path.stat().st_mtime < since - 1:
                        continue
                    message = email.message_from_bytes(
                        path.read_bytes(), policy=email.policy.default
                    )
                except OSError:
                    continue
                if message["To"] == address:
                    found = re.search(r"https?://\S+?(/account/confirm/\S+)", message.get_content())
                    if found:
                        return found.group(1)
            gevent.sleep(0.05)
        return None


class Reporter(PortalUser):
    """A representative reporting progress on their actions, one after the other."""

    def on_start(self) -> None:
        super().on_start()
        self.form(
            "/account/login",
            {"email": WRITER_EMAIL, "password": WRITER_PASSWORD},
            "report: sign in",
        )
        self.percent = random.randrange(100)

    @task
    def report(self) -> None:
        action = random.choice(Portal.actions)
        self.percent = (self.percent + 7) % 100
        data = {
            "reported_on": time.strftime("%Y-%m-%d"),
            "status": "in_progress",
            "percent_complete": str(self.percent),
            "text": "Works on the square are going ahead as planned.",
        }
        self.form(
            f"/actions/{action}", data, "report: progress", action=f"/actions/{action}/progress"
        )


# ---------------------------------------------------------------- the portal under test


class Process:
    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own processes)
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def web(env: dict, port: int, log: Path) -> Process:
    args = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    args += ["--bind", f"127.0.0.1:{port}", "--no-control-socket", "portal:create_app()"]
    process = Process(args, env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not start: {log.read_text()[-2000:]}")


def set_up_writer(env: dict) -> list[int]:
    code = (
        "import json, sys\n"
        "sys.path.insert(0, 'benchmarks')\n"
        "from portal import create_app\n"
        "from writer import set_up\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(json.dumps(set_up(app)[2]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the reporters' set-up failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def public_pages(port: int) -> list[tuple[str, str]]:
    status, body, _ = get(port, "/api/v1/members?sort=-population&per_page=1")
    slug = json.loads(body)["items"][0]["slug"] if status == 200 else "berlin-de"
    return [
        ("/healthz (the trivial answer, for comparison)", "/healthz"),
        ("/members", "/members"),
        ("search", "/members?q=lodz"),
        ("country by population", "/members?country=DE&sort=population"),
        ("page 40 of a country", "/members?country=FR&page=40"),
        ("member page", f"/members/{slug}"),
        ("/map", "/map"),
        ("/stats", "/stats"),
        ("/api/v1/members", "/api/v1/members?country=FR&per_page=50"),
    ]


def run_load(base_url: str, args) -> Environment:
    Visitor.fixed_count = args.visitors
    Joiner.fixed_count = args.joiners
    Reporter.fixed_count = args.reporters
    users = [Visitor, Joiner, Reporter]
    environment = Environment(user_classes=users, host=base_url)
    runner = environment.create_local_runner()
    total = args.visitors + args.joiners + args.reporters
    runner.start(total, spawn_rate=total)  # all at once
    gevent.sleep(5)  # warming up: every user started, the caches filled
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(args.duration)
    environment.measured_seconds = time.monotonic() - started
    runner.quit()
    return environment


def table(environment: Environment, setup: str, args) -> str:
    seconds = environment.measured_seconds
    lines = [
        f"{setup}; {args.visitors} visitors, {args.joiners} joiners, {args.reporters} reporters, "
        f"{seconds:.0f} s measured",
        "",
        "| requests | answers/s | p50 | p95 | p99 | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    entries = sorted(
        environment.stats.entries.values(),
        key=lambda e: (e.name.startswith(("join", "report")), e.name),
    )
    for entry in entries:
        lines.append(_row(entry.name, entry, seconds))
    lines.append(_row("**all**", environment.stats.total, seconds))
    errors = environment.stats.errors.values()
    if errors:
        lines.append("")
        lines.append(
            "Errors: " + "; ".join(f"{e.occurrences} x {e.name}: {e.error}" for e in errors)
        )
    return "\n".join(lines)


def _row(name: str, entry, seconds: float) -> str:
    def pct(p: float) -> str:
        return f"{entry.get_response_time_percentile(p):.0f} ms" if entry.num_requests else "-"

    rate = entry.num_requests / seconds if seconds else 0
    return (
        f"| {name} | {rate:,.1f} | {pct(0.5)} | {pct(0.95)} | {pct(0.99)} | {entry.num_failures} |"
    )


def start_portal(env: dict, workdir: Path, processes: int) -> tuple[list[Process], list[int]]:
    ports = [free_port() for _ in range(processes)]
    started = [web(env, port, workdir / f"web{n}.log") for n, port in enumerate(ports)]
    # Mail only: the daily jobs (the reminders of 77,000 members take minutes) are not what is
    # measured here.
    worker = [str(BIN / "flask"), "--app", "portal", "worker", "--no-daily-jobs"]
    started.append(Process(worker, env, workdir / "worker.log"))
    return started, ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=45)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--joiners", type=int, default=4)
    parser.add_argument("--reporters", type=int, default=4)
    parser.add_argument("--only", choices=["one", "nginx"])
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--workdir", type=Path, default=ROOT / "instance" / "benchmark" / "load")
    args = parser.parse_args()

    url = prepare_postgres(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG), reseed=False)
    if url is None:
        raise SystemExit("PostgreSQL does not answer")
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = portal_env(url, args.workdir)
    load_scale_data(env, "PostgreSQL")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    mail_dir = args.workdir / "mail"
    env.update(
        PRELOAD_GAZETTEER="1",
        REDIS_URL=redis_url,
        MAIL_DELIVER_AFTER_REQUEST="0",
        MAIL_FILE_DIR=str(mail_dir),
        LOG_FORMAT="json",
    )
    from redis import Redis

    Portal.actions = set_up_writer(env)
    from portal.demo.pdf import pdf_document

    Portal.pdf = pdf_document([(12, "Council decision to join the covenant")])
    Portal.mail_dir = mail_dir

    for setup in ("one", "nginx"):
        if args.only and args.only != setup:
            continue
        Redis.from_url(redis_url).flushdb()  # no limit or session of the previous round
        proxies = 1 if setup == "one" else 2  # the load's own address, then nginx's
        processes, ports = start_portal(
            {**env, "PROXY_COUNT": str(proxies)}, args.workdir, 1 if setup == "one" else 2
        )
        proxy = None
        try:
            Portal.pages = public_pages(ports[0])
            if setup == "one":
                base = f"http://127.0.0.1:{ports[0]}"
                Portal.origin, Portal.host = base, None
                label = "one gunicorn process (deploy/gunicorn.conf.py)"
            else:
                from nginx import Nginx

                proxy = Nginx(ports)
                base = f"https://127.0.0.1:{proxy.port}"
                Portal.origin, Portal.host = f"https://{proxy.host}", proxy.host
                label = "two gunicorn processes behind nginx (HTTPS)"
            environment = run_load(base, args)
        finally:
            if proxy:
                proxy.stop()
            for process in processes:
                process.stop()
        text = table(environment, label, args)
        print(text, flush=True)
        if not args.no_readme:
            write_readme("load", setup, text)


if __name__ == "__main__":
    main()
