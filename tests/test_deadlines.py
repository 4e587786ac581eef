"""The deadline rules as pure functions, at their edges: the day before, of and after."""

from datetime import date

import pytest

from portal.pledges import deadlines as d
from portal.pledges.deadlines import ActionFacts, Rules, add_months, commitments

RULES = Rules(plan_months=12, min_actions=3, progress_months=12, reminder_days=30)
APPROVED = date(2024, 3, 15)
PLAN_DUE = date(2025, 3, 15)


def facts(n, status="planned", published=True, last=date(2025, 1, 10)):
    return ActionFacts(
        id=n,
        title=f"Action {n}",
        status=status,
        published=published,
        last_progress_on=last if published else None,
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 3, 15), 12, date(2025, 3, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: last day of February
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 31), 1, date(2025, 1, 31)),
        (date(2024, 5, 31), 18, date(2025, 11, 30)),
        (date(2024, 5, 1), 0, date(2024, 5, 1)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("today", "late", "days_late", "state"),
    [
        (date(2025, 2, 13), False, 0, d.DUE_SOON),  # 30 days before: the reminder window opens
        (date(2025, 2, 12), False, 0, d.UPCOMING),  # 31 days before
        (date(2025, 3, 14), False, 0, d.DUE_SOON),  # the day before
        (date(2025, 3, 15), False, 0, d.DUE_SOON),  # the day of: still in time
        (date(2025, 3, 16), True, 1, d.LATE),  # the day after
        (date(2025, 4, 15), True, 31, d.LATE),
    ],
)
def test_action_plan_deadline_edges(today, late, days_late, state):
    c = commitments(APPROVED, [facts(1), facts(2)], RULES, today)
    plan = c.plan
    assert plan.due_on == PLAN_DUE
    assert (plan.have, plan.need, plan.met) == (2, 3, False)
    assert plan.is_late(today) is late
    assert plan.days_late(today) == days_late
    assert c.state(plan) == state
    assert c.on_track is not late
    assert c.days_late == days_late


def test_day_of_the_deadline_has_zero_days_left():
    c = commitments(APPROVED, [], RULES, PLAN_DUE)
    assert c.plan.days_left(PLAN_DUE) == 0
    assert c.plan.days_left(date(2025, 3, 14)) == 1


def test_plan_met_with_enough_published_actions_even_after_the_deadline():
    actions = [facts(1), facts(2, status="completed"), facts(3, status="in_progress")]
    c = commitments(APPROVED, actions, RULES, date(2026, 1, 1))
    assert c.plan.met and c.plan.have == 3
    assert c.state(c.plan) == d.MET
    assert not c.plan.is_late(date(2026, 1, 1))


def test_unpublished_and_cancelled_actions_do_not_count_for_the_plan():
    actions = [
        facts(1),
        facts(2),
        facts(3, published=False),
        facts(4, status="cancelled"),
    ]
    c = commitments(APPROVED, actions, RULES, date(2025, 3, 16))
    assert c.plan.have == 2 and not c.plan.met
    assert c.late == [c.plan]


def test_minimum_and_period_come_from_the_rules():
    rules = Rules(plan_months=6, min_actions=1, progress_months=3, reminder_days=7)
    c = commitments(APPROVED, [facts(1, last=date(2024, 6, 1))], rules, date(2024, 9, 2))
    assert c.plan.due_on == date(2024, 9, 15) and c.plan.met
    (report,) = [o for o in c.obligations if o.kind == d.PROGRESS]
    assert report.due_on == date(2024, 9, 1)
    assert report.days_late(date(2024, 9, 2)) == 1


@pytest.mark.parametrize(
    ("today", "late"),
    [(date(2026, 1, 9), False), (date(2026, 1, 10), False), (date(2026, 1, 11), True)],
)
def test_progress_report_deadline_edges(today, late):
    c = commitments(APPROVED, [facts(1, last=date(2025, 1, 10))], RULES, today)
    (report,) = [o for o in c.obligations if o.kind == d.PROGRESS]
    assert report.due_on == date(2026, 1, 10)
    assert report.action_id == 1 and report.action_title == "Action 1"
    assert report.is_late(today) is late
    assert report.days_late(today) == (1 if late else 0)


def test_only_open_published_actions_owe_progress_reports():
    old = date(2020, 1, 1)
    actions = [
        facts(1, status="planned", last=old),
        facts(2, status="in_progress", last=old),
        facts(3, status="completed", last=old),
        facts(4, status="cancelled", last=old),
        facts(5, published=False),
    ]
    c = commitments(APPROVED, actions, RULES, date(2025, 6, 1))
    owed = [o.action_id for o in c.obligations if o.kind == d.PROGRESS]
    assert owed == [1, 2]
    assert all(o.is_late(date(2025, 6, 1)) for o in c.obligations if o.kind == d.PROGRESS)


def test_progress_obligations_soonest_first_after_the_plan():
    actions = [facts(1, last=date(2025, 5, 1)), facts(2, last=date(2025, 2, 1)), facts(3)]
    c = commitments(APPROVED, actions, RULES, date(2025, 6, 1))
    assert [o.kind for o in c.obligations] == [d.PLAN, d.PROGRESS, d.PROGRESS, d.PROGRESS]
    assert [o.action_id for o in c.obligations[1:]] == [3, 2, 1]
    assert [o.action_id for o in c.pending] == [3, 2, 1]  # the plan is met


def test_member_without_approval_date_owes_no_plan():
    c = commitments(None, [], RULES, date(2030, 1, 1))
    assert c.plan is None and c.on_track and c.obligations == []


def test_days_late_is_the_oldest_overdue_obligation():
    actions = [facts(1, last=date(2024, 4, 1)), facts(2, last=date(2024, 6, 1))]
    c = commitments(APPROVED, actions, RULES, date(2025, 6, 1))
    # plan due 2025-03-15 (78 days), report 1 due 2025-04-01 (61), report 2 due today
    assert [o.days_late(c.today) for o in c.late] == [78, 61]
    assert c.days_late == 78
    assert not c.on_track


@pytest.mark.parametrize(
    ("today", "reminder"),
    [
        (date(2025, 2, 12), None),
        (date(2025, 2, 13), d.DUE_SOON_REMINDER),
        (date(2025, 3, 15), d.DUE_SOON_REMINDER),
        (date(2025, 3, 16), d.OVERDUE_REMINDER),
    ],
)
def test_reminder_due(today, reminder):
    plan = commitments(APPROVED, [], RULES, today).plan
    assert plan.reminder(today, RULES.reminder_days) == reminder


def test_no_reminder_for_a_met_obligation():
    c = commitments(APPROVED, [facts(1), facts(2), facts(3)], RULES, date(2025, 3, 16))
    assert c.plan.reminder(date(2025, 3, 16), 30) is None


def test_reminder_keys_name_obligation_due_date_and_kind():
    c = commitments(APPROVED, [facts(7, last=date(2025, 1, 10))], RULES, date(2025, 1, 11))
    plan, report = c.obligations
    assert plan.reminder_key(42, "due-soon") == "plan:42:2025-03-15:due-soon"
    assert report.reminder_key(42, "overdue") == "progress:7:2026-01-10:overdue"


def test_rules_from_config():
    config = {
        "ACTION_PLAN_MONTHS": "6",
        "ACTION_PLAN_MIN_ACTIONS": 5,
        "PROGRESS_REPORT_MONTHS": 24,
        "REMINDER_DAYS_BEFORE": 14,
    }
    assert Rules.from_config(config) == Rules(6, 5, 24, 14)
