"""`flask reminders send [--today YYYY-MM-DD]`: e-mail the deadline reminders due today;
`flask holds apply [--today YYYY-MM-DD]`: the automatic hold and reinstatement."""

import click
from flask.cli import AppGroup

from portal.core.clock import today_utc
from portal.pledges.reminders import send_reminders

reminders_cli = AppGroup("reminders", help="E-mail reminders of the covenant's deadlines.")
holds_cli = AppGroup("holds", help="Put late members on hold, and reinstate those caught up.")

_TODAY = click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count deadlines as of this date (YYYY-MM-DD) instead of today in UTC.",
)


@holds_cli.command("apply")
@_TODAY
def apply(today) -> None:
    """Warn the members late near the grace period, hold those beyond it (after the warning),
    reinstate those held automatically that are on track again."""
    from portal.pledges.holds import apply_holds

    day = today.date() if today is not None else today_utc()
    report = apply_holds(day)
    click.echo(
        f"{day.isoformat()}: {report.warned} warned, {report.held} put on hold, "
        f"{report.reinstated} reinstated."
    )


@reminders_cli.command("send")
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count deadlines as of this date (YYYY-MM-DD) instead of today in UTC.",
)
@click.option(
    "--no-deliver",
    is_flag=True,
    help="Only queue the mails in the outbox; `flask mail send` delivers them.",
)
def send(today, no_deliver: bool) -> None:
    """Queue the reminders due (never one twice), then deliver the outbox."""
    from portal.core.mail.delivery import deliver_all

    day = today.date() if today is not None else today_utc()
    report = send_reminders(day)
    click.echo(
        f"{day.isoformat()}: {report.reminders} reminder(s) for {report.members} member(s), "
        f"{report.mails} mail(s) queued."
    )
    if report.skipped:
        click.echo(f"{report.skipped} member(s) skipped: another run recorded them first.")
    if no_deliver:
        return
    sent, failed = deliver_all()
    click.echo(f"{sent} mail(s) sent, {failed} failed (kept in the outbox).")
