"""`flask purge`: run from cron, like `flask mail send`."""

import click
from flask.cli import with_appcontext


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove what has passed its retention period (the periods are settings)."""
    from portal.account.purge import purge

    purged = purge()
    click.echo("Removed " + "; ".join(purged.lines()) + ".")
