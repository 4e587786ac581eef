"""`flask demo seed`: fill an empty development database with demo data from real EU places."""

import os

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from portal.demo.seed import database_is_empty, seed_demo
from portal.extensions import db
from portal.models.members import STATUSES

demo_cli = AppGroup("demo", help="Demo data for development.")


@demo_cli.command("seed")
@click.option(
    "--if-empty", is_flag=True, help="Add nothing, and say so, unless the database is empty."
)
@click.option(
    "--scale",
    is_flag=True,
    help="Instead: every EU place of 500 inhabitants or more (about 79,000) as an approved "
    "member with about 5 published actions, for benchmarks; places already members are "
    "skipped, so it may follow the demo data.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="With --scale: only the N most populous places.",
)
def seed(if_empty: bool, scale: bool, limit: int | None) -> None:
    """Fill an empty database with members, applications and accounts to try the portal."""
    if os.environ.get("PORTAL_ENV") == "production":
        raise click.ClickException("demo data is for development, not for PORTAL_ENV=production")
    if limit is not None and not scale:
        raise click.UsageError("--limit goes with --scale")
    if scale:
        _seed_scale(if_empty, limit)
        return
    if not database_is_empty():
        if if_empty:
            click.echo("The database has data already: no demo data added.")
            return
        raise click.ClickException(
            "the database is not empty; demo data goes only into an empty database "
            "(`--if-empty` skips this quietly)"
        )
    demo = seed_demo()
    _report(demo)


def _seed_scale(if_empty: bool, limit: int | None) -> None:
    from portal.demo.scale import seed_scale

    if if_empty and not database_is_empty():
        click.echo("The database has data already: no demo data added.")
        return
    click.echo("Loading the scale data (every EU place from 500 inhabitants) ...")
    result = seed_scale(limit=limit, echo=click.echo)
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon have it in a running portal: the visibility map set, so
        # the counts of the directory read their indexes alone (index-only scans).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    click.echo(
        f"Scale data: {result.members} members, {result.actions} published actions and "
        f"{result.updates} progress updates in {result.seconds:.1f} s"
        + (f" ({result.skipped} places were members already)." if result.skipped else ".")
    )


def _report(demo) -> None:
    records = demo.members + demo.applications
    counts = {status: sum(m.status == status for m in records) for status in STATUSES}
    countries = len({m.country for m in demo.members})
    click.echo(
        f"Demo data: {len(demo.members)} members in {countries} countries, "
        f"{len(demo.applications)} other applications."
    )
    click.echo("  " + ", ".join(f"{str(s.label).lower()}: {n}" for s, n in counts.items() if n))
    click.echo("")
    login = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/account/login"
    click.echo(f"Sign in at {login} with (passwords are new on every seed, shown only now):")
    width = max(len(a.user.email) for a in demo.accounts.values())
    for account in demo.accounts.values():
        user = account.user
        role = account.label
        if user.country_codes:
            role += f" ({', '.join(sorted(user.country_codes))})"
        click.echo(f"  {role:<34} {user.email:<{width}}  {account.password}")
