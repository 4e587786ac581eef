"""Faults under load: PostgreSQL restarted, then a gunicorn worker killed, while visitors read.

    .venv/bin/python benchmarks/faults.py [--duration 30] [--clients 32] [--nginx] [--no-readme]

The script
  1. builds its own PostgreSQL database (BENCH_FAULTS_URL, default
     postgresql+psycopg://postgres@127.0.0.1:5432/portal_faults), loads the demo data into it and
     starts the portal under gunicorn (2 workers x 4 threads) with the shipped settings for
     production's parts (Redis at REDIS_URL, default redis://127.0.0.1:6379/15, if one answers);
     with --nginx, two such gunicorn processes behind Debian's nginx with the shipped site
     (deploy/nginx/covenant-portal.conf, rendered for loopback by benchmarks/nginx.py);
  2. sends --clients concurrent visitors through the public pages for --duration seconds
     (the directory, a search, a country, a member page, the map, the statistics, the API);
  3. restarts PostgreSQL at --restart-at seconds (--restart-command; default the Debian
     cluster's `pg_ctlcluster ... restart -m fast`, which ends every connection) and kills one
     gunicorn worker with SIGKILL at --kill-at seconds (gunicorn starts a new one);
  4. prints every failed answer (an error status, or a connection cut), counted in the window of
     each fault and outside them, and writes that table into README.md.

It restarts the machine's PostgreSQL server: run it alone, never beside the test suite.
"""

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HOST, Gunicorn, flask, portal_env, prepare_postgres, write_readme  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_faults"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
CLUSTER = next(iter(sorted(Path("/etc/postgresql").glob("*/main"))), None)
DEFAULT_RESTART = (
    f"pg_ctlcluster --skip-systemctl-redirect {CLUSTER.parent.name} main restart -m fast"
    if CLUSTER
    else ""
)
PAGES = [
    "/members",
    "/members?q=berlin",
    "/members?country=DE&sort=population",
    "/map",
    "/stats",
    "/api/v1/members?country=FR&per_page=50",
    "/about",
]
WINDOW = 8.0  # seconds after a fault in which its failures are counted


@dataclass
class Answer:
    started: float
    seconds: float
    outcome: str  # "200", "500", or the exception's name


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    faults: dict[str, tuple[float, float]] = field(default_factory=dict)  # name: (start, end)


class Target:
    """Where the visitors go: gunicorn directly (plain HTTP), or nginx (HTTPS, portal.test)."""

    def __init__(self, port: int, tls=None, host: str = HOST):
        self.port, self.tls, self.host = port, tls, host

    def connection(self) -> http.client.HTTPConnection:
        if self.tls is None:
            return http.client.HTTPConnection(HOST, self.port, timeout=30)
        return _TLSConnection(self.host, self.port, context=self.tls, timeout=30)


class _TLSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:  # to 127.0.0.1, with the site's name for SNI and the certificate
        sock = socket.create_connection((HOST, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


CUT = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def visitor(target: Target, pages: list[str], stop: threading.Event, run: Run, t0: float, n: int):
    """One visitor's browser: it keeps its connection open, and, as browsers do, sends a request
    once more on a new connection when a kept one turns out closed before any answer."""
    i = n
    conn = None
    headers = {"Accept-Encoding": "gzip", "Host": target.host}
    while not stop.is_set():
        path = pages[i % len(pages)]
        i += 1
        started = time.monotonic()
        for fresh in (False, True):
            reused = conn is not None
            if conn is None:
                conn = target.connection()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                outcome = str(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except Exception as error:  # a cut connection, a reset, a timeout: a failed answer
                conn.close()
                conn = None
                outcome = type(error).__name__
                if not (reused and not fresh and isinstance(error, CUT)):
                    break
        with run.lock:
            run.answers.append(Answer(started - t0, time.monotonic() - started, outcome))


def worker_pids(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def restart_database(command: str, run: Run, t0: float) -> None:
    start = time.monotonic() - t0
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)  # noqa: S602 (the operator's own command)
    if done.returncode != 0:
        print(f"the restart command failed: {done.stderr.strip()}", flush=True)
    run.faults["database restart"] = (start, time.monotonic() - t0)


def kill_worker(masters: list[int], run: Run, t0: float) -> None:
    pids = worker_pids(masters[0])
    start = time.monotonic() - t0
    if pids:
        os.kill(pids[0], 9)
    run.faults["gunicorn worker killed"] = (start, start)


def the_member_page(port: int) -> str | None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/members?country=DE")
    body = conn.getresponse().read().decode()
    found = re.search(r'href="(/members/[a-z0-9-]+-de-?\d*)"', body)
    return found.group(1) if found else None


def summary(run: Run, duration: float, clients: int, setup: str) -> str:
    failed = [a for a in run.answers if not a.outcome.startswith(("2", "3"))]
    lines = [
        f"{setup}; {clients} visitors for {duration:.0f} s, "
        f"{len(run.answers):,} answers ({len(run.answers) / duration:.0f}/s)",
        "",
        "| window | answers | failed | what failed | slowest answer |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    windows = {
        name: (start, end + WINDOW)
        for name, (start, end) in sorted(run.faults.items(), key=lambda f: f[1])
    }
    counted = set()
    for name, (start, end) in windows.items():
        # By when the answer came (or failed): a request cut by a fault may have started before.
        inside = [a for a in run.answers if start <= a.started + a.seconds < end]
        counted.update(id(a) for a in inside)
        lines.append(_row(f"{name} (t = {start:.1f} s, and {WINDOW:.0f} s after)", inside))
    rest = [a for a in run.answers if id(a) not in counted]
    lines.append(_row("the rest of the run", rest))
    lines.append(_row("**all**", run.answers))
    lines.append("")
    restart = run.faults.get("database restart")
    if restart:
        lines.append(f"The restart command took {restart[1] - restart[0]:.1f} s.")
    lines.append(f"{len(failed)} failed answer(s) in all.")
    return "\n".join(lines)


def _row(label: str, answers: list[Answer]) -> str:
    failed = [a for a in answers if not a.outcome.startswith(("2", "3"))]
    kinds = ", ".join(f"{n} x {k}" for k, n in Counter(a.outcome for a in failed).most_common())
    slowest = max((a.seconds for a in answers), default=0.0)
    return (
        f"| {label} | {len(answers):,} | {len(failed)} | {kinds or '-'} | {slowest * 1000:.0f} ms |"
    )


def redis_answers(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 (no Redis: the run goes without)
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--restart-at", type=float, default=8)
    parser.add_argument("--kill-at", type=float, default=20)
    parser.add_argument("--restart-command", default=DEFAULT_RESTART)
    parser.add_argument("--nginx", action="store_true", help="two portals behind nginx")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--workdir", type=Path, default=ROOT / "instance" / "benchmark")
    args = parser.parse_args()
    if not args.restart_command:
        raise SystemExit("no PostgreSQL cluster found: give --restart-command")

    url = prepare_postgres(os.environ.get("BENCH_FAULTS_URL", DEFAULT_URL), reseed=True)
    if url is None:
        raise SystemExit("PostgreSQL does not answer")
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = portal_env(url, args.workdir)
    env.update(PRELOAD_GAZETTEER="0", LOG_FORMAT="json")
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    if redis_answers(redis_url):
        env["REDIS_URL"] = redis_url
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
    for step in (("db", "upgrade"), ("demo", "seed")):
        done = flask(env, *step)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(step)} failed:\n{done.stderr}")

    servers = [Gunicorn(env, workers=2, threads=4)]
    proxy = None
    if args.nginx:
        from nginx import Nginx

        servers.append(Gunicorn(env, workers=2, threads=4))
        proxy = Nginx([s.port for s in servers])
        target = Target(proxy.port, proxy.tls, proxy.host)
        setup = "nginx in front of two gunicorn processes (2 workers x 4 threads each)"
    else:
        target = Target(servers[0].port)
        setup = "one gunicorn process (2 workers x 4 threads)"
    setup += ", PostgreSQL" + (" and Redis" if "REDIS_URL" in env else "")
    pages = list(PAGES)
    member = the_member_page(servers[0].port)
    if member:
        pages.append(member)

    run = Run()
    stop = threading.Event()
    t0 = time.monotonic()
    threads = [
        threading.Thread(target=visitor, args=(target, pages, stop, run, t0, n), daemon=True)
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    faults = [
        (
            args.restart_at,
            "PostgreSQL restarted",
            lambda: restart_database(args.restart_command, run, t0),
        ),
        (
            args.kill_at,
            "a gunicorn worker killed",
            lambda: kill_worker([s.process.pid for s in servers], run, t0),
        ),
    ]
    for at, name, fault in sorted(faults, key=lambda f: f[0]):
        time.sleep(max(0.0, at - (time.monotonic() - t0)))
        print(f"t = {time.monotonic() - t0:.1f} s: {name}", flush=True)
        fault()
    time.sleep(max(0.0, args.duration - (time.monotonic() - t0)))
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    duration = time.monotonic() - t0
    for server in servers:
        server.stop()
    if proxy:
        proxy.stop()

    table = summary(run, duration, args.clients, setup)
    print(table)
    if not args.no_readme:
        write_readme("faults", "nginx" if args.nginx else "gunicorn", table)


if __name__ == "__main__":
    main()
