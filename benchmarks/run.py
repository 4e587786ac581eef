"""Benchmark the public pages on the scale data, under gunicorn, on SQLite and on PostgreSQL.

    make benchmark                      # or: .venv/bin/python benchmarks/run.py [options]

For each database the script
  1. builds its own database (SQLite: a file under --workdir; PostgreSQL: the database named by
     BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench, created
     if missing) and loads the scale data into it with `flask demo seed --scale` (every EU place
     from 500 inhabitants, about 79,000 members; reused on later runs, --reseed loads it again);
  2. starts gunicorn on 127.0.0.1 (a free port) and warms each address up once;
  3. sends requests to each address for --duration seconds from --concurrency client processes
     (Python's http.client, one connection per request, bounded in time; traffic only to
     127.0.0.1) and prints requests per second, median and 95th-percentile latency, and each
     address's throughput as a share of /healthz (a trivial answer) measured in the same run;
  4. downloads the whole-EU GeoJSON and CSV exports once (size, time to first byte, total time);
  5. reports the whole-EU map's bytes over the wire and its drawing time in headless Chromium
     (Debian's /usr/bin/chromium through Playwright, every request outside 127.0.0.1 blocked).

Modes (each prints its table and writes it into README.md, between the markers of its section):
  (default)       the quiet database;
  --writes [N]    the same pages while benchmarks/writer.py commits N real changes a second
                  through the services (progress updates, an action's details, a new member
                  approved every few seconds), in rounds interleaved with quiet rounds: each
                  address gets a quiet share and a share under writes, from the same run;
  --cold          the caches off (PUBLIC_CACHE_ENTRIES=0): every answer computed afresh.
Each mode also times the statistics computed uncached in one process (median of 5).

The clients send no cookies: every request is a first visit (an anonymous visit to a public
page makes no session: the layout carries no form). /about, a static page in the common layout,
is listed as the ceiling any HTML page can reach.

Prerequisites: `make install` (the portal, gunicorn and Playwright), Debian's chromium for step 5
(`make browser-deps`; without it step 5 is skipped), a PostgreSQL server for the PostgreSQL part
(skipped, and said so, when none answers). Nothing here needs the internet.
"""

import argparse
import gzip
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
TARGET_SHARE = 30.0  # percent of the baseline every public HTML page and paged API call reaches
COLD_TARGET_SHARE = 15.0  # search, directory and API pages with the caches off
P99_TARGET_MS = 250.0  # under writes
STATS_TARGET_MS = 50.0
README = ROOT / "README.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# (label, path, counted against the target): the member page's slug is filled in at run time.
PAGES = [
    ("baseline /healthz", "/healthz", False),
    ("reference /about (layout only)", "/about", False),
    ("/members", "/members", True),
    ("/members search", "/members?q=wroc", True),
    ("/members filters", "/members?country=DE&population=5000-20000&sort=-population", True),
    ("/members search+filters", "/members?q=neu&country=DE&category=security_by_design", True),
    ("/members page 40", "/members?country=FR&page=40", True),
    ("member page", "/members/{slug}", True),
    ("/map", "/map", True),
    ("/map/points.json (EU)", "/map/points.json", False),
    ("/stats", "/stats", True),
    ("/api/v1/members", "/api/v1/members", True),
    ("/api/v1/members filters", "/api/v1/members?q=lodz&country=PL&per_page=20", True),
    ("/api/v1/members/<slug>", "/api/v1/members/{slug}", True),
    ("/api/v1/members.geojson (EU)", "/api/v1/members.geojson", False),
]
EXPORTS = ["/api/v1/members.geojson", "/api/v1/members.csv"]


@dataclass
class Result:
    label: str
    path: str
    counted: bool
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


# ---------------------------------------------------------------- databases and the server


def portal_env(database_url: str, workdir: Path, cold: bool = False) -> dict:
    env = dict(os.environ)
    if cold:
        env["PUBLIC_CACHE_ENTRIES"] = "0"
    env.update(
        DATABASE_URL=database_url,
        PORTAL_ENV="development",
        PORTAL_INSTANCE_DIR=str(workdir / "instance"),
        MAIL_TRANSPORT="file",
        PYTHONPATH=str(ROOT),
    )
    return env


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def members_loaded(env: dict) -> int:
    code = (
        "from sqlalchemy import func, select\n"
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.models import Member\n"
        "with create_app().app_context():\n"
        "    print(db.session.scalar(select(func.count()).select_from(Member)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return int(done.stdout.strip() or 0) if done.returncode == 0 else -1


def prepare_sqlite(workdir: Path, reseed: bool) -> str:
    path = workdir / "scale.db"
    if reseed:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def prepare_postgres(url: str, reseed: bool) -> str | None:
    """Create the database if needed (drop and create with --reseed); None if no server."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists and reseed:
                conn.execute(f'DROP DATABASE "{name}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {parts.hostname}:{parts.port} does not answer ({exc}); skipped.")
        return None
    return url


def load_scale_data(env: dict, label: str) -> float | None:
    """Upgrade the schema and load the scale data unless it is there; the seed's seconds."""
    upgraded = flask(env, "db", "upgrade")
    if upgraded.returncode != 0:
        raise SystemExit(f"{label}: flask db upgrade failed:\n{upgraded.stderr}")
    count = members_loaded(env)
    if count >= 70_000:
        print(f"{label}: the scale data is there already ({count} members); --reseed reloads it.")
        return None
    print(f"{label}: loading the scale data (flask demo seed --scale) ...", flush=True)
    started = time.perf_counter()
    seeded = flask(env, "demo", "seed", "--scale")
    seconds = time.perf_counter() - started
    if seeded.returncode != 0:
        raise SystemExit(f"{label}: the scale seed failed:\n{seeded.stdout}\n{seeded.stderr}")
    print("  " + seeded.stdout.strip().splitlines()[-1])
    print(f"  the whole command took {seconds:.1f} s (loading Python and the app included)")
    return seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, workers: int, threads: int = 1):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
                "--no-control-socket",  # several at once: one shared default path otherwise
                "portal:create_app()",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# ---------------------------------------------------------------- load generation


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, body, dict(response.getheaders())
    finally:
        conn.close()


def _client(port: int, path: str, seconds: float, headers: dict) -> tuple[int, int, list[float]]:
    """One client: requests one after another until the time is up."""
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        if started >= deadline:
            break
        try:
            status, _body, _headers = get(port, path, headers)
        except OSError:
            status = 0
        if status == 200:
            latencies.append(time.perf_counter() - started)
        else:
            errors += 1
    return len(latencies), errors, latencies


def _warm(port: int, path: str, headers: dict) -> None:
    get(port, path, headers)


HEADERS = {"Accept-Encoding": "gzip"}


def warm(pool, port: int, path: str, concurrency: int) -> None:
    """Warm every worker up (each keeps its own cache of public answers): a few rounds of
    requests in parallel, so that every worker answers at least one."""
    for _ in range(3):
        pool.starmap(_warm, [(port, path, HEADERS)] * concurrency)


def _slice(pool, port: int, result: Result, seconds: float, concurrency: int) -> None:
    started = time.perf_counter()
    answers = pool.starmap(_client, [(port, result.path, seconds, HEADERS)] * concurrency)
    result.seconds += time.perf_counter() - started
    result.requests += sum(n for n, _, _ in answers)
    result.errors += sum(e for _, e, _ in answers)
    result.latencies.extend(x for _, _, lat in answers for x in lat)


def measure(
    pool, port: int, pages: list[tuple[str, str, bool]], args, switch: Path | None = None
) -> tuple[list[Result], list[Result] | None]:
    """Each address for --duration seconds in all, in --rounds interleaved slices, so that a
    change in the machine's load during the run weighs on every address alike. With a writer's
    `switch`, each round measures every address quiet, then every address under writes."""
    quiet = [Result(label, path, counted, 0, 0, 0.0, []) for label, path, counted in pages]
    writes = None
    if switch is not None:
        writes = [Result(label, path, counted, 0, 0, 0.0, []) for label, path, counted in pages]
    slice_ = args.duration / args.rounds
    for _ in range(args.rounds):
        for result in quiet:
            _slice(pool, port, result, slice_, args.concurrency)
        if writes is not None:
            switch.touch()
            try:
                for result in writes:
                    _slice(pool, port, result, slice_, args.concurrency)
            finally:
                switch.unlink(missing_ok=True)
    return quiet, writes


def stats_ms(env: dict, runs: int = 5) -> list[float]:
    """The statistics computed uncached, in one process: milliseconds per computation."""
    code = (
        "import time\n"
        "from portal import create_app\n"
        "from portal.stats import service\n"
        "app = create_app()\n"
        "with app.test_request_context('/stats'):\n"
        "    service._overview()  # a first run loads the country populations\n"
        f"    for _ in range({runs}):\n"
        "        started = time.perf_counter()\n"
        "        service._overview()\n"
        "        print((time.perf_counter() - started) * 1000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(f"timing the statistics failed: {done.stderr.strip().splitlines()[-1:]}")
        return []
    return [float(line) for line in done.stdout.split()]


def export_figures(port: int, path: str, gzipped: bool = False) -> dict:
    """Size, time to first byte and total time of one streamed download."""
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip" if gzipped else "identity"})
    response = conn.getresponse()
    first_byte, size = None, 0
    while chunk := response.read(65536):
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    total = time.perf_counter() - started
    conn.close()
    return {"status": response.status, "bytes": size, "ttfb": first_byte or total, "seconds": total}


def map_over_the_wire(port: int) -> dict:
    sizes = {}
    for path in ("/map/points.json", "/map/outlines.geojson"):
        status, body, headers = get(port, path, {"Accept-Encoding": "gzip"})
        encoded = headers.get("Content-Encoding") == "gzip"
        sizes[path] = {
            "wire": len(body),
            "json": len(gzip.decompress(body)) if encoded else len(body),
        }
    return sizes


def map_drawing_ms(port: int, runs: int = 5) -> list[int] | str:
    """Milliseconds from navigation start until every point is clustered and drawn."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"skipped: no {CHROMIUM} (make browser-deps)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "skipped: playwright is not installed"
    base = f"http://{HOST}:{port}"
    times, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})

                def route(route):
                    if route.request.url.startswith(base + "/"):
                        route.continue_()
                    else:
                        outside.append(route.request.url)
                        route.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.goto(base + "/map")
                page.wait_for_selector(
                    "#member-map[data-drawn-ms]", state="attached", timeout=60000
                )
                times.append(int(page.get_attribute("#member-map", "data-drawn-ms")))
                context.close()
        finally:
            browser.close()
    if outside:
        return f"requests outside 127.0.0.1 were attempted: {outside[:3]}"
    return times


# ---------------------------------------------------------------- the run


def run_database(label: str, database_url: str, args) -> dict:
    workdir = Path(args.workdir)
    env = portal_env(database_url, workdir, cold=args.cold)
    seed_seconds = load_scale_data(env, label)
    server = Gunicorn(env, args.workers, args.threads)
    writer, switch = None, None
    if args.writes:
        switch = workdir / f"writes-on-{os.getpid()}"
        switch.unlink(missing_ok=True)
        writer = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "writer.py"), "--rate", str(args.writes),
             "--switch", str(switch)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        ready = writer.stdout.readline().strip()
        print(f"  {ready}", flush=True)
    try:
        status, body, _ = get(server.port, "/api/v1/members?sort=-population&per_page=1")
        slug = json.loads(body)["items"][0]["slug"] if status == 200 else "berlin-de"
        pages = [(label, path.format(slug=slug), counted) for label, path, counted in PAGES]
        with multiprocessing.Pool(args.concurrency) as pool:
            for _label, path, _counted in pages:
                warm(pool, server.port, path, args.concurrency)
            results, under_writes = measure(pool, server.port, pages, args, switch)
        exports = {path: export_figures(server.port, path) for path in EXPORTS}
        exports.update(
            {f"{path} (gzip)": export_figures(server.port, path, True) for path in EXPORTS}
        )
        wire = map_over_the_wire(server.port)
        drawing = map_drawing_ms(server.port) if not args.no_browser else "skipped (--no-browser)"
    finally:
        if writer is not None:
            writer.terminate()
            wrote = writer.communicate(timeout=60)[0].strip().splitlines()
            args.wrote = wrote[-1] if wrote else "the writer said nothing"
            print(f"  {args.wrote}")
        server.stop()
    stats = stats_ms(env)
    report(label, results, exports, wire, drawing, seed_seconds, slug, args)
    table = mode_table(label, results, under_writes, stats, args)
    print()
    print(table)
    if not args.no_readme:
        write_readme(mode_name(args), label, table)
    return {"results": results, "exports": exports, "wire": wire, "drawing": drawing}


def mode_name(args) -> str:
    if args.writes:
        return "writes"
    return "cold" if args.cold else "quiet"


COLD_COUNTED = ("/members", "/api/v1/members")  # search, directory and API pages


def mode_table(label: str, quiet: list[Result], writes, stats: list[float], args) -> str:
    """The mode's figures as a Markdown table, with the targets that apply to it."""
    mode = mode_name(args)
    baseline = quiet[0].rate
    setup = (
        f"{label}, gunicorn {args.workers} workers x {args.threads} threads, {args.concurrency} "
        f"clients, {args.duration:g} s per address in {args.rounds} rounds"
    )
    if mode == "writes":
        wbase = writes[0].rate
        lines = [
            f"{setup}; writes asked for at {args.writes:g} a second in every other round "
            f"({getattr(args, 'wrote', 'no writer report')}).",
            "",
            "| address | quiet share | share under writes | p99 ms under writes | target |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for q, w in zip(quiet, writes, strict=True):
            share_q = 100 * q.rate / baseline if baseline else 0.0
            share_w = 100 * w.rate / wbase if wbase else 0.0
            p99 = w.percentile(99)
            met = ""
            if q.counted:
                ok = share_w >= TARGET_SHARE and p99 < P99_TARGET_MS
                met = "met" if ok else f"**not met** (>= {TARGET_SHARE:g}%, p99 < 250 ms)"
            lines.append(f"| {q.label} | {share_q:.1f}% | {share_w:.1f}% | {p99:.0f} | {met} |")
    else:
        target = COLD_TARGET_SHARE if mode == "cold" else TARGET_SHARE
        lines = [
            f"{setup}" + ("; caches off." if mode == "cold" else "; quiet database."),
            "",
            "| address | req/s | p50 ms | p99 ms | share of /healthz | target |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in quiet:
            share = 100 * r.rate / baseline if baseline else 0.0
            counted = r.counted and (mode != "cold" or r.path.startswith(COLD_COUNTED))
            met = ("met" if share >= target else f"**not met** (>= {target:g}%)") if counted else ""
            lines.append(
                f"| {r.label} | {r.rate:.1f} | {r.percentile(50):.0f} | {r.percentile(99):.0f} "
                f"| {share:.1f}% | {met} |"
            )
    if stats:
        median = statistics.median(stats)
        verdict = "met" if median <= STATS_TARGET_MS else "**not met**"
        lines += [
            "",
            f"Statistics computed uncached in one process: median {median:.1f} ms of "
            f"{len(stats)} (target <= {STATS_TARGET_MS:g} ms: {verdict}).",
        ]
    return "\n".join(lines)


def write_readme(mode: str, label: str, table: str) -> None:
    """Put the table between its markers in README.md (added at the end of the benchmark
    tables when the markers are not there yet)."""
    start, end = f"<!-- benchmark:{mode}:{label} -->", f"<!-- /benchmark:{mode}:{label} -->"
    text = README.read_text()
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        anchor = "<!-- /benchmark-tables -->"
        if anchor not in text:
            raise SystemExit("README.md has no <!-- /benchmark-tables --> marker")
        text = text.replace(anchor, f"{block}\n\n{anchor}")
    README.write_text(text)
    print(f"(written to README.md, {mode} / {label})")


def report(label, results, exports, wire, drawing, seed_seconds, slug, args) -> None:
    baseline = results[0].rate
    print()
    print(f"== {label}: gunicorn {args.workers} workers, {args.concurrency} clients, "
          f"{args.duration:g} s per address in {args.rounds} rounds "
          f"(member page: /members/{slug}); load average now "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{'address':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'share':>8}{'errors':>8}")
    below = []
    for r in results:
        share = 100 * r.rate / baseline if baseline else 0.0
        mark = ""
        if r.counted and share < TARGET_SHARE:
            mark = "  < target"
            below.append(r.label)
        print(
            f"{r.label:<34}{r.rate:>9.1f}{r.percentile(50):>9.1f}{r.percentile(95):>9.1f}"
            f"{share:>7.1f}%{r.errors:>8}{mark}"
        )
    print(f"target: every public HTML page and paged API call at >= {TARGET_SHARE:g}% of the "
          f"baseline; below: {', '.join(below) if below else 'none'}")  # fmt: skip
    for path, figures in exports.items():
        print(
            f"export {path}: {figures['bytes'] / 1e6:.1f} MB, first byte after "
            f"{figures['ttfb'] * 1000:.0f} ms, complete in {figures['seconds']:.2f} s "
            f"(status {figures['status']})"
        )
    points, outlines = wire["/map/points.json"], wire["/map/outlines.geojson"]
    print(
        f"whole-EU map over the wire (gzip): member points {points['wire'] / 1024:.0f} KB "
        f"({points['json'] / 1024:.0f} KB of JSON) + country outlines "
        f"{outlines['wire'] / 1024:.0f} KB = {(points['wire'] + outlines['wire']) / 1024:.0f} KB"
    )
    if isinstance(drawing, list):
        print(
            f"whole-EU map drawn in headless Chromium (navigation start to every point "
            f"clustered and drawn), {len(drawing)} runs: median {statistics.median(drawing):.0f} "
            f"ms, slowest {max(drawing)} ms ({', '.join(map(str, drawing))})"
        )
    else:
        print(f"whole-EU map drawing time: {drawing}")
    if seed_seconds is not None:
        print(f"scale seed: the command took {seed_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per address")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices per address")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--writes", type=float, nargs="?", const=5.0, default=None,
        help="measure under N writes a second (default 5) interleaved with quiet rounds",
    )  # fmt: skip
    parser.add_argument("--cold", action="store_true", help="caches off")
    parser.add_argument("--no-readme", action="store_true", help="do not write README.md")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database only")
    parser.add_argument("--reseed", action="store_true", help="load the scale data again")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    parser.add_argument(
        "--workdir", default=str(ROOT / "instance" / "benchmark"), help="SQLite file and instance"
    )
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 16 or not 0.5 <= args.duration <= 60:
        parser.error("--concurrency from 1 to 16, --duration from 0.5 to 60 s")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds from 1 to 20")
    if args.writes is not None and not 0.1 <= args.writes <= 100:
        parser.error("--writes from 0.1 to 100 a second")
    if args.writes and args.cold:
        parser.error("--writes and --cold are separate modes")
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the start")
    if args.only in (None, "sqlite"):
        run_database("SQLite", prepare_sqlite(Path(args.workdir), args.reseed), args)
    if args.only in (None, "postgres"):
        url = prepare_postgres(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG), args.reseed)
        if url:
            run_database("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
