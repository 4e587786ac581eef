"""Benchmark the audit page with 100,000 entries, under gunicorn, on SQLite (and PostgreSQL).

    .venv/bin/python benchmarks/audit.py [--postgres postgresql+psycopg://user@host/db] [options]

For each database the script
  1. builds its own database (SQLite: a file under --workdir; PostgreSQL: the database named by
     --postgres, created if missing) and loads --entries audit entries into it (reused on later
     runs, --reseed loads them again): a year of decisions, status changes, holds, comments,
     good-practice marks, team changes, sign-ins and coordinator changes in the 27 member states,
     by 40 accounts, with an administrator and a coordinator (Germany and Poland) to read them;
  2. starts gunicorn on 127.0.0.1 (a free port) and signs both readers in (each run has new
     random passwords, never printed);
  3. sends requests to each address for --duration seconds from --concurrency client processes
     in --rounds interleaved slices (benchmarks/run.py's clients: one connection per request,
     traffic only to 127.0.0.1) and prints requests per second, median and 95th-percentile
     latency, and each address's throughput as a share of /healthz measured in the same run.

The addresses: the newest page, filters (an event in a country; a month; one actor; one member),
a deep page (the 50,000th entry onwards, by its cursor), and a coordinator's newest page.
"""

import argparse
import json
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import run  # benchmarks/run.py: the server, the clients, the database helpers

ROOT = run.ROOT
HOST = run.HOST
ADMIN = "bench-admin@audit.example.eu"
COORDINATOR = "bench-coordinator@audit.example.eu"
MEMBER_EVENTS = (
    "application.submitted",
    "application.approved",
    "application.rejected",
    "application.changes_requested",
    "member.put_on_hold",
    "member.hold_lifted",
    "member.suspended",
    "member.withdrawn",
    "member.reinstated",
    "team.invited",
    "team.joined",
    "team.left",
)
ACTION_EVENTS = ("action.commented", "action.marked_good_practice")
ACCOUNT_EVENTS = ("auth.signed_in", "auth.sign_in_failed", "coordinator.countries_changed")


# ---------------------------------------------------------------- loading (in the portal's env)


def load(count: int) -> None:
    """Runs inside the portal's environment (a subprocess): the entries and the two readers."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, insert, select

    from portal import create_app
    from portal.auth.passwords import hash_password
    from portal.core.countries import COUNTRY_CODES
    from portal.extensions import db
    from portal.models import AuditEntry, CoordinatorCountry, User, utcnow

    app = create_app()
    with app.app_context():
        for email, role, countries in (
            (ADMIN, "admin", ()),
            (COORDINATOR, "coordinator", ("DE", "PL")),
        ):
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email,
                    name=email.split("@")[0],
                    role=role,
                    email_confirmed_at=utcnow(),
                    countries=[CoordinatorCountry(country=c) for c in countries],
                )
                db.session.add(user)
            user.password_hash = hash_password(os.environ["BENCH_PASSWORD"])
        db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(AuditEntry))
        started = time.perf_counter()
        if have < count:
            rng = random.Random(8)
            countries = sorted(COUNTRY_CODES)
            actors = []
            for n in range(40):
                email = f"bench-actor-{n}@audit.example.eu"
                user = db.session.scalar(select(User).where(User.email == email))
                if user is None:
                    user = User(
                        email=email,
                        name=f"Actor {n}",
                        role="coordinator",
                        password_hash=None,
                        email_confirmed_at=utcnow(),
                    )
                    db.session.add(user)
                actors.append(user)
            db.session.flush()
            actors = [(u.id, f"{u.role} #{u.id}") for u in actors]
            start = datetime(2025, 12, 1, tzinfo=UTC)
            step = timedelta(days=365) / count
            rows = []
            for i in range(have, count):
                actor_id, actor_label = rng.choice(actors)
                kind = rng.random()
                row = {"at": start + i * step, "actor_id": actor_id, "actor_label": actor_label}
                if kind < 0.75:
                    event = rng.choice(MEMBER_EVENTS)
                    target = rng.randint(1, 20000)
                    row.update(
                        action=event,
                        target_type="member",
                        target_id=target,
                        target_label=f"Town {target}",
                        country=rng.choice(countries),
                        details={"from_status": "submitted", "to_status": "approved"},
                    )
                elif kind < 0.9:
                    target = rng.randint(1, 100000)
                    row.update(
                        action=rng.choice(ACTION_EVENTS),
                        target_type="action",
                        target_id=target,
                        target_label=f"Action {target}",
                        country=rng.choice(countries),
                        details={"comment_id": i},
                    )
                else:
                    target_id, target_label = rng.choice(actors)
                    event = rng.choice(ACCOUNT_EVENTS)
                    row.update(
                        action=event,
                        target_type="user",
                        target_id=target_id,
                        target_label=target_label,
                        country=None,
                        details={"reason": "wrong_password"} if "failed" in event else {},
                    )
                    if event != "coordinator.countries_changed":
                        row.update(
                            actor_id=target_id if "failed" not in event else None,
                            actor_label=target_label if "failed" not in event else "",
                        )
                rows.append(row)
                if len(rows) == 10000:
                    db.session.execute(insert(AuditEntry.__table__), rows)
                    rows = []
            if rows:
                db.session.execute(insert(AuditEntry.__table__), rows)
            db.session.commit()
        deep = db.session.execute(
            select(AuditEntry.at, AuditEntry.id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(count // 2)
            .limit(1)
        ).one()
        from portal.audit.service import Cursor

        total = db.session.scalar(select(func.count()).select_from(AuditEntry))
        actor = db.session.scalar(
            select(User.id).where(User.email == "bench-actor-7@audit.example.eu")
        )
        print(
            json.dumps(
                {
                    "total": total,
                    "seconds": round(time.perf_counter() - started, 1),
                    "deep": str(Cursor(deep.at, deep.id)),
                    "actor": actor,
                }
            )
        )


def load_entries(env: dict, label: str, count: int) -> dict:
    upgraded = run.flask(env, "db", "upgrade")
    if upgraded.returncode != 0:
        raise SystemExit(f"{label}: flask db upgrade failed:\n{upgraded.stderr}")
    print(f"{label}: loading {count:,} audit entries (kept for later runs) ...", flush=True)
    done = subprocess.run(
        [sys.executable, __file__, "--load-only", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{label}: loading failed:\n{done.stdout}\n{done.stderr}")
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {facts['total']:,} entries in the trail (loaded in {facts['seconds']} s)")
    return facts


# ---------------------------------------------------------------- signing in


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]
    return jar


def sign_in(port: int, email: str, password: str) -> str:
    """The Cookie header of a session signed in as `email`."""
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/account/login")
    response = conn.getresponse()
    page = response.read().decode()
    jar = _cookies(response.getheaders())
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": password})
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn.request(
        "POST",
        "/account/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 302:
        raise SystemExit(f"signing in as {email} failed (status {response.status})")
    jar.update(_cookies(response.getheaders()))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# ---------------------------------------------------------------- the run


def measure(pool, port: int, pages, args) -> list[run.Result]:
    results = [run.Result(label, path, True, 0, 0, 0.0, []) for label, path, _ in pages]
    headers = [h for _, _, h in pages]
    for _ in range(args.rounds):
        for result, header in zip(results, headers, strict=True):
            started = time.perf_counter()
            answers = pool.starmap(
                run._client,
                [(port, result.path, args.duration / args.rounds, header)] * args.concurrency,
            )
            result.seconds += time.perf_counter() - started
            result.requests += sum(n for n, _, _ in answers)
            result.errors += sum(e for _, e, _ in answers)
            result.latencies.extend(x for _, _, lat in answers for x in lat)
    return results


def run_database(label: str, database_url: str, args) -> None:
    env = run.portal_env(database_url, Path(args.workdir))
    env["BENCH_PASSWORD"] = secrets.token_urlsafe(18)
    facts = load_entries(env, label, args.entries)
    server = run.Gunicorn(env, args.workers)
    try:
        admin = {"Cookie": sign_in(server.port, ADMIN, env["BENCH_PASSWORD"])}
        coordinator = {"Cookie": sign_in(server.port, COORDINATOR, env["BENCH_PASSWORD"])}
        pages = [
            ("baseline /healthz", "/healthz", {}),
            ("newest page", "/admin/audit", admin),
            ("event in a country", "/admin/audit?action=member.suspended&country=FR", admin),
            ("one month", "/admin/audit?since=2026-05-01&until=2026-05-31", admin),
            ("one actor", f"/admin/audit?actor={facts['actor']}", admin),
            ("one member", "/admin/audit?target_type=member&target_id=4242", admin),
            ("deep page (50,000th entry on)", f"/admin/audit?before={facts['deep']}", admin),
            ("coordinator (DE, PL) newest", "/admin/audit", coordinator),
        ]
        for page_label, path, header in pages[1:]:
            status, body, _ = run.get(server.port, path, header)
            shown = len(re.findall(rb'<tr id="entry-', body))
            total = re.search(rb'role="status">\s*([^<]+?)\s*</p>', body)
            if status != 200 or not shown:
                raise SystemExit(f"{page_label}: status {status}, {shown} entries shown")
            print(f"  {page_label}: {total.group(1).decode()} (the page says), {shown} shown")
        with multiprocessing.Pool(args.concurrency) as pool:
            for _label, path, header in pages:
                pool.starmap(run._warm, [(server.port, path, header)] * args.concurrency)
            results = measure(pool, server.port, pages, args)
    finally:
        server.stop()
    baseline = results[0].rate
    print()
    print(
        f"== {label}: {facts['total']:,} entries; gunicorn {args.workers} workers, "
        f"{args.concurrency} clients, {args.duration:g} s per address in {args.rounds} rounds; "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    print(f"{'address':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'share':>8}{'errors':>8}")
    for r in results:
        share = 100 * r.rate / baseline if baseline else 0.0
        print(
            f"{r.label:<34}{r.rate:>9.1f}{r.percentile(50):>9.1f}{r.percentile(95):>9.1f}"
            f"{share:>7.1f}%{r.errors:>8}"
        )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--load-only":
        load(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="audit entries to load")
    parser.add_argument("--postgres", help="also on this PostgreSQL database (created if missing)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per address")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices per address")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--reseed", action="store_true", help="build the databases again")
    parser.add_argument(
        "--workdir", default=str(ROOT / "instance" / "benchmark-audit"), help="SQLite and instance"
    )
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 16 or not 0.5 <= args.duration <= 60:
        parser.error("--concurrency from 1 to 16, --duration from 0.5 to 60 s")
    if not 1_000 <= args.entries <= 2_000_000:
        parser.error("--entries from 1,000 to 2,000,000")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the start")
    path = workdir / "audit.db"
    if args.reseed:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    run_database("SQLite", f"sqlite:///{path}", args)
    if args.postgres:
        url = run.prepare_postgres(args.postgres, args.reseed)
        if url:
            run_database("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
