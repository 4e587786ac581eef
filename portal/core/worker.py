"""The background worker (`flask worker`): it delivers the outbox and runs the daily jobs.

Why the outbox in the database, and not a queue such as RQ: a mail is written in the same
transaction as the change that causes it (an approval, an invitation), so it exists exactly when
the change does. A job put on a Redis queue after the commit is lost if the process dies between
the two, and one put there before the commit may run before the change exists, or for a change
that then rolls back. The outbox rows are the queue; Redis, where set, only wakes a worker up as
soon as a mail is queued (portal.core.mail.delivery.wake_worker), and without it the worker polls.

Several workers, on several hosts, are safe:
- each mail is claimed by one of them (`FOR UPDATE SKIP LOCKED` on PostgreSQL);
- each daily job runs once a day for the whole cluster: the worker that inserts the job's row for
  the day in `job_runs` runs it, and the others find the row there. A run whose worker died
  (started, never finished, older than JOB_STALE) is taken over; a run that failed gives its row
  back, to be tried again after JOB_RETRY.

The daily jobs themselves are covenant rules (reminders, the purge): the composition root
hands them in by name, so this module knows none of them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import Flask
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.core import transaction
from portal.core.clock import now_utc
from portal.core.mail import delivery
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import JobRun

logger = logging.getLogger(__name__)
JOB_STALE = timedelta(hours=2)  # a run not finished after this long: its worker died
JOB_RETRY = timedelta(minutes=5)  # a failed run is tried again after this long
JOBS_CHECK_SECONDS = 30  # how often the worker looks whether a daily job is due

# A daily job gets the day it runs for and returns one line saying what it did.
DailyJob = Callable[[date], str]


def parse_daily_time(text: str) -> time:
    """DAILY_JOBS_AT as a time of day (UTC); ValueError for anything but HH:MM."""
    hours, sep, minutes = text.strip().partition(":")
    well_formed = sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
    if well_formed and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    raise ValueError(f"DAILY_JOBS_AT must be HH:MM (UTC), not {text!r}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


@atomic
def _insert_run(job: str, day: date, worker: str, now: datetime) -> None:
    db.session.add(JobRun(job=job, day=day, worker=worker, started_at=now, outcome=""))
    db.session.flush()


@atomic
def _take_over_stale(job: str, day: date, worker: str, now: datetime) -> bool:
    result = db.session.execute(
        update(JobRun)
        .where(
            JobRun.job == job,
            JobRun.day == day,
            JobRun.finished_at.is_(None),
            JobRun.started_at < now - JOB_STALE,
        )
        .values(worker=worker, started_at=now)
    )
    return result.rowcount == 1


def claim_run(job: str, day: date, worker: str, now: datetime) -> bool:
    """True when this worker is to run `job` for `day`: no other has run it or is running it."""
    try:
        _insert_run(job, day, worker, now)
    except IntegrityError:
        return _take_over_stale(job, day, worker, now)
    return True


@atomic
def _finish_run(job: str, day: date, outcome: str) -> None:
    run = db.session.get(JobRun, (job, day))
    run.finished_at = now_utc()
    run.outcome = outcome[:2000]


@atomic
def _give_back(job: str, day: date) -> None:
    db.session.execute(delete(JobRun).where(JobRun.job == job, JobRun.day == day))


@dataclass
class PassReport:
    sent: int = 0
    failed: int = 0
    jobs: dict[str, str] = field(default_factory=dict)


class Worker:
    """One worker process's loop; `run_pass` is one round of it, for tests and `--once`."""

    def __init__(self, app: Flask, daily_jobs: dict[str, DailyJob], name: str | None = None):
        self.app = app
        self.daily_jobs = daily_jobs
        self.name = name or worker_name()
        self.daily_at = parse_daily_time(app.config["DAILY_JOBS_AT"])
        self.poll = float(app.config["WORKER_POLL_SECONDS"])
        self.stop = threading.Event()
        self._retry_after: dict[str, datetime] = {}

    def due_jobs(self, now: datetime) -> list[str]:
        if now.time() < self.daily_at:
            return []
        return [
            job
            for job in self.daily_jobs
            if self._retry_after.get(job) is None or now >= self._retry_after[job]
        ]

    def run_jobs(self, now: datetime) -> dict[str, str]:
        """Run the daily jobs that are due today and that no worker of the cluster has run."""
        done = {}
        for job in self.due_jobs(now):
            day = now.date()
            if not claim_run(job, day, self.name, now):
                continue
            try:
                outcome = self.daily_jobs[job](day)
            except Exception as error:
                logger.exception("daily job %s for %s failed; tried again later", job, day)
                transaction.release()
                _give_back(job, day)
                self._retry_after[job] = now + JOB_RETRY
                done[job] = f"failed: {type(error).__name__}"
                continue
            _finish_run(job, day, outcome)
            self._retry_after.pop(job, None)
            logger.info("daily job %s for %s: %s", job, day, outcome)
            done[job] = outcome
        return done

    def run_pass(self, now: datetime | None = None) -> PassReport:
        """One round: the daily jobs that are due, then every mail that is due."""
        report = PassReport()
        with self.app.app_context():
            try:
                report.jobs = self.run_jobs(now or now_utc())
                report.sent, report.failed = delivery.deliver_all()
            finally:
                db.session.remove()
        return report

    def _round(self, work) -> None:
        with self.app.app_context():
            try:
                work()
            finally:
                db.session.remove()

    def _jobs_loop(self) -> None:
        """The daily jobs, in a thread of their own: the reminders of the whole EU take minutes,
        and the mail of those minutes must not wait for them."""
        while not self.stop.is_set():
            try:
                self._round(lambda: self.run_jobs(now_utc()))
            except SQLAlchemyError as error:
                logger.warning("daily jobs: round failed (%s); trying again", type(error).__name__)
            self.stop.wait(JOBS_CHECK_SECONDS)

    def run(self) -> None:
        """Until `stop` is set (SIGTERM, SIGINT): deliver what is due, then wait for mail or the
        next poll; the daily jobs run beside it. A database that is down costs a round, not the
        worker: it tries again at the next."""
        logger.info(
            "worker %s started: polling every %ss, daily jobs at %s UTC (%s)",
            self.name,
            self.poll,
            self.daily_at.strftime("%H:%M"),
            ", ".join(self.daily_jobs) or "none",
        )
        jobs = threading.Thread(target=self._jobs_loop, name="daily-jobs", daemon=True)
        if self.daily_jobs:
            jobs.start()
        while not self.stop.is_set():
            try:
                self._round(delivery.deliver_all)
            except SQLAlchemyError as error:
                logger.warning("worker round failed (%s); trying again", type(error).__name__)
            if self.stop.is_set():
                break
            delivery.wait_for_mail(self.app, self.poll, self.stop)
        if jobs.is_alive():
            logger.info("worker %s: waiting for the daily job under way to finish", self.name)
            jobs.join()
        logger.info("worker %s stopped", self.name)
