"""The covenant's life-cycle: one extension per deadline, the automatic hold after a warning,
the automatic reinstatement, the coordinator's override, and deadlines one can act on."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.core.errors import NotAllowed
from portal.core.mail.delivery import deliver_all
from portal.extensions import db as _db
from portal.models import AuditEntry, DeadlineExtension, Member, utcnow
from portal.pledges import extensions, followup, holds
from portal.pledges.deadlines import add_months
from tests.factories import make_action, make_coordinator, make_member, make_user


def late_member(days_late: int = 5, **fields):
    """A German member whose action plan is `days_late` days late (one action of three)."""
    rep = make_user()
    today = today_utc()
    approved = add_months(today - timedelta(days=days_late), -12)
    member = make_member(
        name=fields.pop("name", "Spätheim"),
        representatives=[rep],
        approved_at=utcnow().replace(year=approved.year, month=approved.month, day=approved.day),
        **fields,
    )
    make_action(member, title="Only action")
    return member, rep


def audit_actions() -> list[str]:
    return [e.action for e in _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def plan_key(member) -> str:
    return followup.commitments_for(member).plan.deadline_key(member.id)


# --- extensions ------------------------------------------------------------------------------


def test_a_member_asks_once_and_the_coordinator_grants_it(client, login, mailbox):
    coordinator = make_coordinator("DE")
    member, rep = late_member()
    key = plan_key(member)
    assert not followup.commitments_for(member).on_track

    login(rep)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    ask = f"/plans/{member.id}/extensions/new?deadline={key}"
    assert ask.replace(":", "%3A") in dashboard or ask in dashboard
    form = client.get(ask)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'name="until"' in html and 'name="reason"' in html
    until = today_utc() + timedelta(days=60)
    response = client.post(
        f"/plans/{member.id}/extensions/new",
        data={"deadline": key, "until": until.isoformat(), "reason": "Council elections."},
    )
    assert response.status_code == 302
    (asked,) = mailbox.to(coordinator.email)
    assert "more time" in asked["Subject"].lower() and "Council elections." in mailbox.body(asked)
    assert "extension.requested" in audit_actions()
    # Asked once: a second request for the same deadline is refused, nothing is added.
    again = client.post(
        f"/plans/{member.id}/extensions/new",
        data={"deadline": key, "until": until.isoformat(), "reason": "Again."},
    )
    assert again.status_code == 302
    assert _db.session.scalars(select(DeadlineExtension)).all().__len__() == 1
    plan_page = client.get(f"/plans/{member.id}").get_data(as_text=True)
    assert "Waiting for a decision" in plan_page
    assert "More time asked for: waiting for the coordinator" in plan_page
    assert key.replace(":", "%3A") not in plan_page and key not in plan_page

    client.post("/account/logout")
    login(coordinator)
    listing = client.get("/coordination/extensions").get_data(as_text=True)
    assert member.name in listing and "Council elections." in listing
    extension = _db.session.scalar(select(DeadlineExtension))
    response = client.post(
        f"/coordination/extensions/{extension.id}",
        data={
            f"x{extension.id}-decision": "grant",
            f"x{extension.id}-new_due_on": until.isoformat(),
            f"x{extension.id}-comment": "Good luck.",
        },
    )
    assert response.status_code == 302
    _db.session.expire_all()
    extension = _db.session.get(DeadlineExtension, extension.id)
    assert extension.status == "granted" and extension.new_due_on == until
    c = followup.commitments_for(_db.session.get(Member, member.id))
    assert c.on_track and c.plan.due_on == until and c.plan.extended
    (answer,) = mailbox.to(rep.email)
    assert "granted" in answer["Subject"] and "Good luck." in mailbox.body(answer)
    assert audit_actions()[-1] == "extension.granted"
    # Answered once: a second answer is refused.
    second = client.post(
        f"/coordination/extensions/{extension.id}",
        data={f"x{extension.id}-decision": "refuse", f"x{extension.id}-comment": "No."},
    )
    assert second.status_code == 302
    assert "answered already" in client.get(second.location).get_data(as_text=True)


def test_bad_requests_get_messages_next_to_their_fields_and_change_nothing(client, login):
    make_coordinator("DE")
    member, rep = late_member()
    key = plan_key(member)
    login(rep)
    cases = [
        ({"until": "", "reason": "x"}, "until"),
        ({"until": (today_utc() - timedelta(days=5)).isoformat(), "reason": "Late."}, "until"),
        ({"until": (today_utc() + timedelta(days=400)).isoformat(), "reason": "Late."}, "until"),
        ({"until": (today_utc() + timedelta(days=30)).isoformat(), "reason": " "}, "reason"),
    ]
    for data, field in cases:
        response = client.post(f"/plans/{member.id}/extensions/new", data={"deadline": key, **data})
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert re.search(rf'id="{field}-error"', html), (data, html[-2000:])
    assert _db.session.scalars(select(DeadlineExtension)).all() == []
    # A deadline that does not exist, or is met, cannot be extended.
    assert (
        client.get(f"/plans/{member.id}/extensions/new?deadline=plan:1:2020-01-01").status_code
        == 302
    )


def test_only_the_members_representatives_ask_and_its_coordinators_answer(client, login):
    member, rep = late_member()
    stranger = make_user()
    with pytest.raises(NotAllowed):
        extensions.request_extension(
            stranger, member, plan_key(member), today_utc() + timedelta(days=30), "x"
        )
    extension = extensions.request_extension(
        rep, member, plan_key(member), today_utc() + timedelta(days=30), "Elections."
    )
    french = make_coordinator("FR")
    login(french)
    response = client.post(
        f"/coordination/extensions/{extension.id}",
        data={f"x{extension.id}-decision": "refuse", f"x{extension.id}-comment": "No."},
    )
    assert response.status_code == 404
    assert member.name not in client.get("/coordination/extensions").get_data(as_text=True)


def test_a_refusal_needs_a_reason_and_keeps_the_deadline(client, login, mailbox):
    coordinator = make_coordinator("DE")
    member, rep = late_member()
    extension = extensions.request_extension(
        rep, member, plan_key(member), today_utc() + timedelta(days=30), "Elections."
    )
    login(coordinator)
    response = client.post(
        f"/coordination/extensions/{extension.id}",
        data={f"x{extension.id}-decision": "refuse", f"x{extension.id}-comment": ""},
    )
    assert response.status_code == 422
    assert f'id="x{extension.id}-comment-error"' in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(DeadlineExtension, extension.id).status == "requested"
    client.post(
        f"/coordination/extensions/{extension.id}",
        data={f"x{extension.id}-decision": "refuse", f"x{extension.id}-comment": "Too late."},
    )
    _db.session.expire_all()
    assert _db.session.get(DeadlineExtension, extension.id).status == "refused"
    assert not followup.commitments_for(_db.session.get(Member, member.id)).on_track
    (answer,) = mailbox.to(rep.email)
    assert "refused" in answer["Subject"] and "Too late." in mailbox.body(answer)


# --- the automatic hold ----------------------------------------------------------------------


def test_warned_first_then_held_then_reinstated_when_it_catches_up(app, client, login, mailbox):
    grace, warning = app.config["HOLD_GRACE_DAYS"], app.config["HOLD_WARNING_DAYS"]
    member, rep = late_member(days_late=grace + 10)
    today = today_utc()

    report = holds.apply_holds(today)
    assert (report.warned, report.held) == (1, 0)
    deliver_all()
    (warned,) = mailbox.to(rep.email)
    assert "will be put on hold" in warned["Subject"]
    assert _db.session.get(Member, member.id).status == "approved"
    # The same day again: no second warning, no hold yet (the warning gives notice).
    assert holds.apply_holds(today).warned == 0
    assert holds.apply_holds(today + timedelta(days=warning - 1)).held == 0

    report = holds.apply_holds(today + timedelta(days=warning))
    assert report.held == 1
    _db.session.expire_all()
    held = _db.session.get(Member, member.id)
    assert held.status == "on_hold" and held.held_automatically
    assert "member.held_automatically" in audit_actions()
    deliver_all()
    assert "on hold" in mailbox.to(rep.email)[-1]["Subject"]

    page = client.get(f"/members/{held.slug}").get_data(as_text=True)
    assert "This member is on hold." in page and "put on hold automatically" in page
    assert held.name not in client.get("/members").get_data(as_text=True)
    assert held.name in client.get("/members?status=all").get_data(as_text=True)

    # Publishing the two missing actions reinstates it in the same transaction.
    login(rep)
    for n in range(2):
        action = make_action(held, title=f"New action {n}", published=False)
        assert client.post(f"/actions/{action.id}/publish").status_code == 302
    _db.session.expire_all()
    back = _db.session.get(Member, member.id)
    assert back.status == "approved" and not back.held_automatically
    assert audit_actions()[-1] == "member.reinstated_automatically"
    assert "back in the covenant" in mailbox.to(rep.email)[-1]["Subject"]


def test_a_member_late_within_the_grace_period_is_left_alone(app, mailbox):
    grace, warning = app.config["HOLD_GRACE_DAYS"], app.config["HOLD_WARNING_DAYS"]
    member, rep = late_member(days_late=grace - warning - 1)
    assert holds.apply_holds(today_utc()) == holds.HoldReport()
    assert mailbox.to(rep.email) == []


def test_the_coordinators_lifting_overrides_the_job_for_the_grace_period(app, client, login):
    grace, warning = app.config["HOLD_GRACE_DAYS"], app.config["HOLD_WARNING_DAYS"]
    coordinator = make_coordinator("DE")
    member, rep = late_member(days_late=grace + 10)
    today = today_utc()
    holds.apply_holds(today)
    holds.apply_holds(today + timedelta(days=warning))
    _db.session.expire_all()
    member = _db.session.get(Member, member.id)
    assert member.status == "on_hold"

    login(coordinator)
    late = client.get("/coordination/late").get_data(as_text=True)
    assert member.name in late and "automatically" in late
    client.post(f"/coordination/members/{member.id}/lift-hold", data={"version": member.version})
    _db.session.expire_all()
    member = _db.session.get(Member, member.id)
    assert member.status == "approved" and member.hold_exempt_until is not None
    assert holds.apply_holds(today + timedelta(days=warning + 1)).held == 0
    assert _db.session.get(Member, member.id).status == "approved"


def test_a_manual_hold_is_not_lifted_by_the_job(app):
    coordinator = make_coordinator("DE")
    member, rep = late_member(days_late=5)
    followup.put_on_hold(coordinator, member, "Late.", member.version)
    for n in range(2):
        make_action(member, title=f"Caught up {n}")
    assert followup.commitments_for(member).on_track
    assert holds.apply_holds(today_utc()).reinstated == 0
    assert _db.session.get(Member, member.id).status == "on_hold"


def test_a_granted_extension_reinstates_a_member_held_for_that_deadline(app, mailbox):
    grace, warning = app.config["HOLD_GRACE_DAYS"], app.config["HOLD_WARNING_DAYS"]
    coordinator = make_coordinator("DE")
    member, rep = late_member(days_late=grace + 10)
    today = today_utc()
    holds.apply_holds(today)
    holds.apply_holds(today + timedelta(days=warning))
    member = _db.session.get(Member, member.id)
    assert member.status == "on_hold"
    extension = extensions.request_extension(
        rep, member, plan_key(member), today + timedelta(days=30), "Elections."
    )
    extensions.decide_extension(coordinator, extension, True, today + timedelta(days=30), "")
    _db.session.expire_all()
    assert _db.session.get(Member, member.id).status == "approved"


# --- deadlines one can act on ----------------------------------------------------------------


def test_due_and_late_items_link_to_where_they_are_done(client, login):
    rep = make_user()
    member = make_member(representatives=[rep], approved_at=utcnow() - timedelta(days=900))
    stale = today_utc() - timedelta(days=400)
    actions = [
        make_action(member, title=f"Quiet action {n}", last_progress_on=stale) for n in range(6)
    ]
    login(rep)
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count("Report progress now") == 6  # the plan and 3 shown, 3 behind "and 3 more"
    assert f'href="/actions/{actions[0].id}#progress-heading"' in html
    assert re.search(r"<details[^>]*>\s*<summary>and 3 more deadlines</summary>", html)
    assert 'class="badge badge-late"' in html
    page = client.get(f"/actions/{actions[0].id}").get_data(as_text=True)
    assert "badge badge-late" in page and "Report progress now" in page
    assert "Ask for more time" in page
