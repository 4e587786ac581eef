"""`flask demo seed`: fill an empty development database with demo data from real EU places."""

import os

import click
from flask import current_app
from flask.cli import AppGroup

from portal.demo.seed import database_is_empty, seed_demo
from portal.models.members import STATUSES
from portal.templating import status_label

demo_cli = AppGroup("demo", help="Demo data for development.")


@demo_cli.command("seed")
@click.option(
    "--if-empty", is_flag=True, help="Add nothing, and say so, unless the database is empty."
)
def seed(if_empty: bool) -> None:
    """Fill an empty database with members, applications and accounts to try the portal."""
    if os.environ.get("PORTAL_ENV") == "production":
        raise click.ClickException("demo data is for development, not for PORTAL_ENV=production")
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


def _report(demo) -> None:
    records = demo.members + demo.applications
    counts = {status: sum(m.status == status for m in records) for status in STATUSES}
    countries = len({m.country for m in demo.members})
    click.echo(
        f"Demo data: {len(demo.members)} members in {countries} countries, "
        f"{len(demo.applications)} other applications."
    )
    click.echo("  " + ", ".join(f"{status_label(s).lower()}: {n}" for s, n in counts.items() if n))
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
