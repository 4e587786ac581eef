"""The member page's reckoning of its actions: the plan's status and the reports per quarter."""

from datetime import date
from types import SimpleNamespace

from portal.pledges import monitoring
from portal.pledges.deadlines import ActionFacts, Rules, commitments

RULES = Rules(plan_months=12, min_actions=3, progress_months=12, reminder_days=30)


def action(status, *updates):
    return SimpleNamespace(
        status=status,
        updates=[SimpleNamespace(reported_on=d, status=s) for d, s in updates],
    )


def status_of(statuses, today=date(2025, 1, 1)):
    facts = [ActionFacts(n, f"A{n}", s, True, date(2024, 6, 1)) for n, s in enumerate(statuses)]
    c = commitments(date(2024, 1, 10), facts, RULES, today)
    return monitoring.plan_status(c, monitoring.action_counts([action(s) for s in statuses]))


def test_the_plans_status_in_one_word():
    assert status_of(["planned"]) == "drafted"
    assert status_of(["planned"], today=date(2025, 2, 1)) == "late"
    assert status_of(["planned", "in_progress", "completed"]) == "published"
    assert status_of(["completed", "completed", "completed", "cancelled"]) == "complete"
    assert status_of(["completed", "completed", "cancelled"]) == "drafted"  # 2 count of 3


def test_reports_per_quarter_from_the_first_to_the_last_three_years_at_most():
    actions = [
        action("in_progress", (date(2024, 2, 1), "in_progress"), (date(2024, 8, 5), "planned")),
        action("completed", (date(2024, 3, 31), "in_progress"), (date(2024, 9, 30), "completed")),
    ]
    quarters = monitoring.reports_per_quarter(actions)
    assert [(q.year, q.number, q.reports, q.completed) for q in quarters] == [
        (2024, 1, 2, 0),
        (2024, 2, 0, 0),
        (2024, 3, 2, 1),
    ]
    assert monitoring.reports_per_quarter([action("planned")]) == []
    old = action("completed", (date(2015, 1, 1), "planned"), (date(2024, 12, 1), "completed"))
    assert len(monitoring.reports_per_quarter([old])) == monitoring.QUARTERS_SHOWN
