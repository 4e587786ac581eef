"""Command line: `flask --app portal users|mail|search|demo ...`."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from portal.auth import service as accounts
from portal.models.users import Role

users_cli = AppGroup("users", help="Manage accounts.")
mail_cli = AppGroup("mail", help="Deliver the e-mail outbox.")


def _interactive() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """Ask twice at a terminal; read one line when the password is piped in."""
    if _interactive():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--country", "countries", multiple=True, help="ISO code; repeat for several.")
@click.option("--name", default="", help="Display name (defaults to the address's local part).")
def create_user(email: str, role: str, countries: tuple[str, ...], name: str) -> None:
    """Create a confirmed account; the password is asked at the prompt or read from stdin."""
    password = _read_password()
    try:
        user = accounts.create_user(email, password, role, countries, name=name)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc.message)) from exc
    extra = f" for {', '.join(sorted(user.country_codes))}" if user.country_codes else ""
    click.echo(f"Created {user.role} {user.email}{extra}.")


@mail_cli.command("send")
def send_mail() -> None:
    """Deliver the mails waiting in the outbox."""
    from portal.core.mail.delivery import deliver_all

    total_sent, total_failed = deliver_all()
    click.echo(f"{total_sent} sent, {total_failed} failed.")
    if total_failed:
        sys.exit(1)


def register(app: Flask) -> None:
    from portal.account.commands import purge_command
    from portal.demo.commands import demo_cli
    from portal.membership.commands import search_cli
    from portal.pledges.commands import reminders_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(purge_command)
