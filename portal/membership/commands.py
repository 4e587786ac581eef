"""`flask search reindex`: write the directory's search index again from the members."""

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The directory's search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Index every public member again with every name of its place (run once after the
    migration 0007_search, which indexes the members' own names only, and after a gazetteer
    update)."""
    from portal.membership.search_index import reindex

    count = reindex()
    click.echo(f"Indexed {count} public members.")
