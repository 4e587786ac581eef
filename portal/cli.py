"""Command line: `flask --app portal users|mail|worker|search|demo|backup|restore ...`."""

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

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
    """Deliver the mails waiting in the outbox now, those waiting out a back-off included."""
    from portal.core.mail.delivery import deliver_all

    total_sent, total_failed = deliver_all(due_only=False)
    click.echo(f"{total_sent} sent, {total_failed} failed.")
    if total_failed:
        sys.exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the database (SQLite, while the portal runs) and the council decisions into
    the new folder PATH, with a manifest of checksums."""
    from portal.core.backup import BackupError, create_backup

    try:
        summary = create_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    what = "the database and " if summary.database else "(PostgreSQL: not the database) "
    click.echo(f"Backed up {what}{summary.uploads} documents into {summary.path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite the existing SQLite database.")
def restore_command(path: Path, replace: bool) -> None:
    """Check the backup in PATH against its manifest, then put its database (SQLite) and its
    documents in place. Stop the portal first."""
    from portal.core.backup import BackupError, restore_backup

    try:
        summary = restore_backup(path, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    what = "the database and " if summary.database else ""
    click.echo(f"Restored {what}{summary.uploads} documents from {summary.path}.")


def daily_jobs() -> dict:
    """The jobs `flask worker` runs once a day for the whole cluster, by name."""
    from portal.account.purge import purge
    from portal.pledges.holds import apply_holds
    from portal.pledges.reminders import send_reminders

    def reminders(day) -> str:
        report = send_reminders(day)
        return f"{report.reminders} reminder(s) for {report.members} member(s)"

    def purge_job(day) -> str:
        return "; ".join(purge().lines())

    def holds(day) -> str:
        report = apply_holds(day)
        return f"{report.warned} warned, {report.held} put on hold, {report.reinstated} reinstated"

    return {"reminders": reminders, "holds": holds, "purge": purge_job}


@click.command("worker")
@click.option("--once", is_flag=True, help="One round (daily jobs due, mails due), then stop.")
@click.option(
    "--no-daily-jobs", is_flag=True, help="Deliver mail only; other workers run the daily jobs."
)
@with_appcontext
def worker_command(once: bool, no_daily_jobs: bool) -> None:
    """Deliver the outbox and run the daily jobs (reminders, holds, purge) at DAILY_JOBS_AT (UTC),
    until stopped (SIGTERM or Ctrl-C: the mail being sent is finished first). Run one per host,
    or several: a mail and a day's job are each taken by one worker only."""
    import signal

    from flask import current_app

    from portal.core.worker import Worker

    try:
        jobs = {} if no_daily_jobs else daily_jobs()
        worker = Worker(current_app._get_current_object(), jobs)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if once:
        report = worker.run_pass()
        jobs = "; ".join(f"{job}: {outcome}" for job, outcome in report.jobs.items())
        click.echo(
            f"{report.sent} mail(s) sent, {report.failed} failed." + (f" {jobs}" if jobs else "")
        )
        return

    def stop(signum, frame) -> None:
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()


def register(app: Flask) -> None:
    from portal.account.commands import purge_command
    from portal.demo.commands import demo_cli
    from portal.membership.commands import search_cli
    from portal.pledges.commands import holds_cli, reminders_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(holds_cli)
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(worker_command)
