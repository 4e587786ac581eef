"""The coordinators' pages: the review queue, decisions, their members and the members' status,
and their countries' helpdesk address."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import permissions
from portal.core.countries import country_name
from portal.core.errors import NotAllowed
from portal.core.inputs import MAX_ID, query_int
from portal.extensions import db
from portal.membership.transitions import TransitionError
from portal.models import Member, utcnow
from portal.models.members import Decision, MemberAction
from portal.review import helpdesk as helpdesk_service
from portal.review import service
from portal.review.forms import (
    DecisionForm,
    HelpdeskForm,
    MembersFilterForm,
    MemberStatusForm,
    QueueFilterForm,
)

bp = Blueprint("review", __name__)
PER_PAGE = 50

DONE_MESSAGES = {
    Decision.APPROVE: lambda name: _("%(name)s is approved and now listed as a member.", name=name),
    Decision.REJECT: lambda name: _("The application of %(name)s is rejected.", name=name),
    Decision.REQUEST_CHANGES: lambda name: _(
        "Changes to %(name)s's application were requested.", name=name
    ),
    MemberAction.HOLD: lambda name: _("%(name)s is now on hold.", name=name),
    MemberAction.SUSPEND: lambda name: _("%(name)s is now suspended.", name=name),
    MemberAction.WITHDRAW: lambda name: _("The membership of %(name)s is withdrawn.", name=name),
    MemberAction.REINSTATE: lambda name: _("%(name)s is an active member again.", name=name),
}


@bp.app_template_global()
def review_decision_form(member: Member) -> DecisionForm:
    """A blank decision form for the decision panel another page includes."""
    return DecisionForm(formdata=None, version=member.version)


@bp.app_template_global()
def review_member_status_form(member: Member) -> MemberStatusForm:
    """A blank status form for the member status panel another page includes."""
    return MemberStatusForm(
        service.available_member_actions(member), formdata=None, version=member.version
    )


@bp.app_template_global()
def review_waiting_count(user) -> int:
    """How many applications wait for the coordinator's decision (the review area's tab)."""
    if not permissions.can_review(user):
        return 0
    return service.waiting_count(user)


@bp.app_template_global()
def review_queue_country(user) -> str | None:
    """The queue's country filter the page was reached with (`?country=`), if it is one of the
    coordinator's countries: the way back to the queue keeps it."""
    country = request.args.get("country", "")
    return country if permissions.can_review(user) and country in user.country_codes else None


@bp.route("/review")
@login_required
def queue():
    permissions.require(permissions.can_review(current_user))
    form = QueueFilterForm(current_user.country_codes, formdata=request.args)
    country = form.country.data if form.validate() else None
    page = db.paginate(
        service.queue_for(current_user, country),
        page=query_int(request.args, "page", 1),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "review/queue.html", page=page, form=form, country=country or None, now=utcnow()
    )


@bp.route("/review/members")
@login_required
def members():
    permissions.require(permissions.can_review(current_user))
    form = MembersFilterForm(current_user.country_codes, formdata=request.args)
    valid = form.validate()
    if form.q.errors:
        # A name search that cannot be read matches nothing (its message is next to it).
        return render_template("review/members.html", page=service.MembersPage([], 0), form=form)
    page = service.members_page(
        current_user,
        status=form.status.data if valid else None,
        country=form.country.data if valid else None,
        after=_cursor("after"),
        before=_cursor("before"),
        per_page=PER_PAGE,
        q=form.q.data if valid else None,
    )
    return render_template("review/members.html", page=page, form=form)


def _cursor(name: str) -> int | None:
    """A page cursor (a member's id) from the address; a bad one is a 400 naming it."""
    if not request.args.get(name):
        return None
    return query_int(request.args, name, 0, minimum=1, maximum=MAX_ID)


def _member_for(member_id: int, allowed) -> Member:
    """The member, if the user may act on it: 404 for those who may not even see it."""
    member = db.get_or_404(Member, member_id)
    permissions.require(permissions.can_view_application(current_user, member), hide=True)
    permissions.require(allowed(current_user, member))
    return member


@bp.route("/review/<int:member_id>/decide", methods=["GET", "POST"])
@login_required
def decide(member_id: int):
    member = _member_for(member_id, permissions.can_decide)
    if request.method == "GET":
        form = review_decision_form(member)
        return render_template("review/decide.html", member=member, decision_form=form)
    form = DecisionForm()
    # A form sent from a page that is out of date is refused as such, whatever else it holds.
    if not form.validate() and form.seen_version in (None, member.version):
        return render_template("review/decide.html", member=member, decision_form=form), 422
    decision = form.decision.data
    try:
        outcome = service.decide(
            current_user, member, decision, form.comment.data or "", form.seen_version
        )
    except TransitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_done_message(decision, member.name, outcome.notified), "success")
    return redirect(
        url_for(
            "membership.application",
            member_id=member_id,
            country=review_queue_country(current_user),
        )
    )


@bp.route("/review/<int:member_id>/status", methods=["GET", "POST"])
@login_required
def member_status(member_id: int):
    member = _member_for(member_id, permissions.can_change_member_status)
    if request.method == "GET":
        form = review_member_status_form(member)
        return render_template("review/member_status.html", member=member, status_form=form)
    # Every action is accepted by the form; the service says whether it is possible now.
    form = MemberStatusForm(list(MemberAction))
    if not form.validate() and form.seen_version in (None, member.version):
        form.action.choices = [
            c for c in form.action.choices if c.value in service.available_member_actions(member)
        ]
        return render_template("review/member_status.html", member=member, status_form=form), 422
    action = form.action.data
    try:
        outcome = service.change_member_status(
            current_user, member, action, form.reason.data or "", form.seen_version
        )
    except TransitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_done_message(action, member.name, outcome.notified), "success")
    return redirect(url_for("membership.application", member_id=member_id))


def _done_message(action: str, name: str, notified: int) -> str:
    mailed = ngettext(
        "%(num)d representative was informed by e-mail.",
        "%(num)d representatives were informed by e-mail.",
        notified,
    )
    return f"{DONE_MESSAGES[action](name)} {mailed}"


# ---- Helpdesk addresses ------------------------------------------------------------------------


@bp.route("/review/helpdesk")
@login_required
def helpdesk():
    countries = helpdesk_service.helpdesk_countries(current_user)
    permissions.require(bool(countries))
    return _helpdesk_page(countries)


@bp.route("/review/helpdesk/<country>", methods=["POST"])
@login_required
def save_helpdesk(country: str):
    countries = helpdesk_service.helpdesk_countries(current_user)
    if country not in countries:
        raise NotAllowed(hide=True)
    form = HelpdeskForm(prefix=country.lower())
    if not form.validate():
        return _helpdesk_page(countries, invalid=(country, form)), 422
    helpdesk_service.set_helpdesk(current_user, country, form.email.data, form.website.data or "")
    flash(
        _("The helpdesk address of %(country)s is saved.", country=country_name(country)),
        "success",
    )
    return redirect(url_for("review.helpdesk") + f"#helpdesk-{country}")


def _helpdesk_page(countries: list[str], invalid: tuple[str, HelpdeskForm] | None = None):
    """A form per country, filled with its stored address; `invalid`: one posted with errors."""
    stored = helpdesk_service.helpdesks_of(countries)
    forms = {}
    for code in countries:
        if invalid and invalid[0] == code:
            forms[code] = invalid[1]
            continue
        row = stored.get(code)
        forms[code] = HelpdeskForm(
            formdata=None,
            prefix=code.lower(),
            email=row.email if row else "",
            website=row.website if row else "",
        )
    return render_template("review/helpdesk.html", forms=forms, stored=stored)
