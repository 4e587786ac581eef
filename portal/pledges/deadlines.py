"""The covenant's deadlines, computed by pure functions from plain facts and a given `today`.

Nothing here reads the database, the clock or the app: callers pass the facts, the rules (built
from the settings by `Rules.from_config`) and the date, so every edge can be tested.

The rules
---------
1. Action plan. A member approved on day A (the UTC date of ``Member.approved_at``) must have at
   least ``ACTION_PLAN_MIN_ACTIONS`` published actions that are not cancelled by the due date
   ``add_months(A, ACTION_PLAN_MONTHS)``. The plan is met as soon as the member has that many;
   a member that falls below the minimum again (by unpublishing or cancelling) owes it again.
2. Progress reports. After publication, every published action that is still open (planned or in
   progress) gets a progress update at least every ``PROGRESS_REPORT_MONTHS``. The clock runs from
   ``Action.last_progress_on``, kept by portal.pledges.service: the later of the date the action
   was first published (unpublishing and publishing again does not restart it) and the
   ``reported_on`` date of its latest progress update. The next report is due on
   ``add_months(last_progress_on, PROGRESS_REPORT_MONTHS)``. Unpublished, completed and
   cancelled actions owe no report.

3. Extensions. A member may ask once per deadline for more time (portal.pledges.extensions);
   a granted extension moves that deadline to its new date. The deadline keeps its key (the
   due date the rules computed), so it cannot be extended twice.

A deadline can still be met on its due date: on that day it is "due today"; from the next day it
is late, by ``today - due_on`` days. ``add_months`` keeps the day of the month, or takes the last
day of a shorter month (31 January + 1 month = 28 or 29 February).

Reminders (portal.pledges.reminders): one "due soon" reminder from ``REMINDER_DAYS_BEFORE`` days
before the due date up to the due date itself, and one "overdue" reminder from the day after.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from portal.models.pledges import CANCELLED, OPEN_ACTION_STATUSES

PLAN = "plan"
PROGRESS = "progress"

MET = "met"
LATE = "late"
DUE_SOON = "due_soon"
UPCOMING = "upcoming"

DUE_SOON_REMINDER = "due-soon"
OVERDUE_REMINDER = "overdue"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rules:
    plan_months: int = 12
    min_actions: int = 3
    progress_months: int = 12
    reminder_days: int = 30

    @classmethod
    def from_config(cls, config: Mapping) -> "Rules":
        return cls(
            plan_months=int(config["ACTION_PLAN_MONTHS"]),
            min_actions=int(config["ACTION_PLAN_MIN_ACTIONS"]),
            progress_months=int(config["PROGRESS_REPORT_MONTHS"]),
            reminder_days=int(config["REMINDER_DAYS_BEFORE"]),
        )


@dataclass(frozen=True)
class ActionFacts:
    """What the deadlines need to know of one action."""

    id: int
    title: str
    status: str
    published: bool
    last_progress_on: date | None
    language: str = ""  # that of the title; "" where not known


@dataclass(frozen=True)
class ExtensionFacts:
    """What the deadlines need to know of a request for more time on one deadline."""

    status: str  # models.pledges.ExtensionStatus: requested, granted, refused
    new_due_on: date | None = None


# A deadline as the rules compute it before any extension: (kind, action id or None, due date).
DeadlineRef = tuple[str, int | None, date]


def deadline_key(kind: str, subject_id: int, due_on: date) -> str:
    """The stored name of a deadline: the member's id for the plan, the action's for a report."""
    return f"{kind}:{subject_id}:{due_on.isoformat()}"


@dataclass(frozen=True)
class Obligation:
    """One thing a member owes by a date: its action plan, or a progress report on an action."""

    kind: str
    due_on: date
    met: bool = False
    action_id: int | None = None
    action_title: str = ""
    action_language: str = ""  # the language of the action's title
    have: int = 0  # plan: published actions so far
    need: int = 0  # plan: the minimum
    original_due_on: date | None = None  # the due date before a granted extension
    extension: ExtensionFacts | None = None  # the member's request for more time, if any

    @property
    def ruled_due_on(self) -> date:
        """The due date the rules gave, before any extension: the deadline's identity."""
        return self.original_due_on or self.due_on

    def deadline_key(self, member_id: int) -> str:
        subject = member_id if self.kind == PLAN else self.action_id
        return deadline_key(self.kind, subject, self.ruled_due_on)

    @property
    def extended(self) -> bool:
        return self.original_due_on is not None

    @property
    def may_ask_for_extension(self) -> bool:
        """Not met, and no request for this deadline yet (one per deadline)."""
        return not self.met and self.extension is None

    def is_late(self, today: date) -> bool:
        return not self.met and today > self.due_on

    def days_late(self, today: date) -> int:
        return (today - self.due_on).days if self.is_late(today) else 0

    def days_left(self, today: date) -> int:
        """Days until the due date; 0 on the day itself, negative once late."""
        return (self.due_on - today).days

    def state(self, today: date, soon_days: int) -> str:
        if self.met:
            return MET
        if today > self.due_on:
            return LATE
        if self.days_left(today) <= soon_days:
            return DUE_SOON
        return UPCOMING

    def reminder(self, today: date, soon_days: int) -> str | None:
        """Which reminder is due today for this obligation, if any."""
        state = self.state(today, soon_days)
        if state == LATE:
            return OVERDUE_REMINDER
        if state == DUE_SOON:
            return DUE_SOON_REMINDER
        return None

    def reminder_key(self, member_id: int, reminder: str) -> str:
        """The key that makes a reminder unique: one per obligation, due date and kind."""
        subject = member_id if self.kind == PLAN else self.action_id
        return f"{self.kind}:{subject}:{self.due_on.isoformat()}:{reminder}"


@dataclass(frozen=True)
class Commitments:
    """A member's obligations as of `today`: the plan first, then reports by due date."""

    today: date
    rules: Rules
    obligations: list[Obligation] = field(default_factory=list)

    @property
    def plan(self) -> Obligation | None:
        return next((o for o in self.obligations if o.kind == PLAN), None)

    @property
    def late(self) -> list[Obligation]:
        return [o for o in self.obligations if o.is_late(self.today)]

    @property
    def pending(self) -> list[Obligation]:
        """Not met and not late yet, soonest first."""
        return [o for o in self.obligations if not o.met and not o.is_late(self.today)]

    @property
    def on_track(self) -> bool:
        return not self.late

    @property
    def days_late(self) -> int:
        """How late the member is: its oldest overdue obligation, in days."""
        return max((o.days_late(self.today) for o in self.late), default=0)

    def state(self, obligation: Obligation) -> str:
        return obligation.state(self.today, self.rules.reminder_days)

    def find(self, member_id: int, key: str) -> Obligation | None:
        """The obligation whose deadline is stored as `key` (see Obligation.deadline_key)."""
        return next((o for o in self.obligations if o.deadline_key(member_id) == key), None)


def counts_for_plan(action: ActionFacts) -> bool:
    return action.published and action.status != CANCELLED


def owes_progress(action: ActionFacts) -> bool:
    return action.published and action.status in OPEN_ACTION_STATUSES


def _with_extension(
    obligation: Obligation, extensions: Mapping[DeadlineRef, ExtensionFacts]
) -> Obligation:
    """The obligation with its request for more time, moved to the new date when granted."""
    extension = extensions.get((obligation.kind, obligation.action_id, obligation.due_on))
    if extension is None:
        return obligation
    if extension.status == "granted" and extension.new_due_on is not None:
        return replace(
            obligation,
            due_on=extension.new_due_on,
            original_due_on=obligation.due_on,
            extension=extension,
        )
    return replace(obligation, extension=extension)


def plan_obligation(
    approved_on: date | None,
    actions: Iterable[ActionFacts],
    rules: Rules,
    extensions: Mapping[DeadlineRef, ExtensionFacts] | None = None,
) -> Obligation | None:
    if approved_on is None:
        return None
    have = sum(1 for a in actions if counts_for_plan(a))
    plan = Obligation(
        kind=PLAN,
        due_on=add_months(approved_on, rules.plan_months),
        met=have >= rules.min_actions,
        have=have,
        need=rules.min_actions,
    )
    return _with_extension(plan, extensions or {})


def progress_obligations(
    actions: Iterable[ActionFacts],
    rules: Rules,
    extensions: Mapping[DeadlineRef, ExtensionFacts] | None = None,
) -> list[Obligation]:
    owed = [
        _with_extension(
            Obligation(
                kind=PROGRESS,
                due_on=add_months(a.last_progress_on, rules.progress_months),
                action_id=a.id,
                action_title=a.title,
                action_language=a.language,
            ),
            extensions or {},
        )
        for a in actions
        if owes_progress(a) and a.last_progress_on is not None
    ]
    return sorted(owed, key=lambda o: (o.due_on, o.action_id))


def commitments(
    approved_on: date | None,
    actions: Iterable[ActionFacts],
    rules: Rules,
    today: date,
    extensions: Mapping[DeadlineRef, ExtensionFacts] | None = None,
) -> Commitments:
    """Everything a member owes, and what of it is late, on `today` (with its extensions)."""
    actions = list(actions)
    plan = plan_obligation(approved_on, actions, rules, extensions)
    obligations = ([plan] if plan is not None else []) + progress_obligations(
        actions, rules, extensions
    )
    return Commitments(today=today, rules=rules, obligations=obligations)
