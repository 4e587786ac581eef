"""What the public member page tells of a member's actions over time, from its published
actions already read (no query of its own): the action plan's status in one word, and its
progress reports per quarter for the monitoring chart."""

from collections import Counter
from dataclasses import dataclass

from portal.models.pledges import CANCELLED, COMPLETED
from portal.pledges.deadlines import LATE, Commitments

PLAN_LATE, PLAN_COMPLETE, PLAN_PUBLISHED, PLAN_DRAFTED = "late", "complete", "published", "drafted"
QUARTERS_SHOWN = 12  # the last three years at most


@dataclass(frozen=True)
class ActionCounts:
    published: int
    cancelled: int
    completed: int

    @property
    def counting(self) -> int:
        """The published actions that count for the plan: those not cancelled."""
        return self.published - self.cancelled


def action_counts(actions: list) -> ActionCounts:
    """`actions` are the member's published actions."""
    return ActionCounts(
        published=len(actions),
        cancelled=sum(a.status == CANCELLED for a in actions),
        completed=sum(a.status == COMPLETED for a in actions),
    )


def plan_status(commitments: Commitments, counts: ActionCounts) -> str | None:
    """Late (its due date passed without the minimum), complete (the minimum met and every
    action that counts completed), published (the minimum met) or drafted; None before
    approval."""
    plan = commitments.plan
    if plan is None:
        return None
    if commitments.state(plan) == LATE:
        return PLAN_LATE
    if plan.met and counts.counting and counts.completed == counts.counting:
        return PLAN_COMPLETE
    return PLAN_PUBLISHED if plan.met else PLAN_DRAFTED


@dataclass(frozen=True)
class Quarter:
    index: int  # year * 4 + quarter - 1
    reports: int
    completed: int  # the reports that completed an action

    @property
    def year(self) -> int:
        return self.index // 4

    @property
    def number(self) -> int:
        return self.index % 4 + 1


def reports_per_quarter(actions: list) -> list[Quarter]:
    """The progress reports on these actions in each quarter, from the first (at most
    QUARTERS_SHOWN before the last) to the last quarter with one; [] when there is none."""
    reports: Counter = Counter()
    completed: Counter = Counter()
    for action in actions:
        for update in action.updates:
            index = update.reported_on.year * 4 + (update.reported_on.month - 1) // 3
            reports[index] += 1
            if update.status == COMPLETED:
                completed[index] += 1
    if not reports:
        return []
    last = max(reports)
    first = max(min(reports), last - QUARTERS_SHOWN + 1)
    return [Quarter(q, reports[q], completed[q]) for q in range(first, last + 1)]
