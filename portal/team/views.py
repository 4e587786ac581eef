"""The team page of a member's representatives: who they are, invitations, leaving; and the
page an invited colleague lands on."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import permissions
from portal.core.forms import show_error
from portal.core.once import AlreadySent
from portal.extensions import db, limiter
from portal.models import Invitation, Member
from portal.team import service
from portal.team.forms import ButtonForm, InviteForm

bp = Blueprint("team", __name__, url_prefix="/team")


def _team_member(member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    permissions.require(permissions.represents(current_user, member), hide=True)
    return member


def _team_page(member: Member, form: InviteForm, status: int = 200):
    return (
        render_template(
            "team/team.html",
            member=member,
            representatives=service.representatives(member),
            invitations=service.pending_invitations(member),
            form=form,
            button_form=ButtonForm(),
            can_manage=permissions.can_manage_representatives(current_user, member),
        ),
        status,
    )


@bp.route("/<int:member_id>")
@login_required
def team(member_id: int):
    return _team_page(_team_member(member_id), InviteForm(formdata=None))


@bp.route("/<int:member_id>/invite", methods=["POST"])
@login_required
@limiter.limit("30/hour")
def invite(member_id: int):
    member = _team_member(member_id)
    permissions.require(permissions.can_manage_representatives(current_user, member))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = service.invite(
                current_user, member, form.email.data, form_token=form.form_token.data
            )
        except AlreadySent as exc:
            flash(exc.message, "info")
            return redirect(url_for("team.team", member_id=member.id))
        except service.TeamError as exc:
            show_error(form, exc)
        else:
            flash(
                _("The invitation is on its way to %(email)s.", email=invitation.email), "success"
            )
            return redirect(url_for("team.team", member_id=member.id))
    return _team_page(member, form, 422)


@bp.route("/<int:member_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke(member_id: int, invitation_id: int):
    member = _team_member(member_id)
    permissions.require(permissions.can_manage_representatives(current_user, member))
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.member_id != member.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            service.revoke(current_user, invitation)
        except service.TeamError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("team.team", member_id=member.id))


@bp.route("/<int:member_id>/leave", methods=["POST"])
@login_required
def leave(member_id: int):
    member = _team_member(member_id)
    if ButtonForm().validate_on_submit():
        try:
            service.leave(current_user, member)
        except service.TeamError as exc:
            flash(exc.message, "error")
            return redirect(url_for("team.team", member_id=member.id))
        flash(_("You no longer represent %(name)s.", name=member.name), "success")
        return redirect(url_for("pages.dashboard"))
    return redirect(url_for("team.team", member_id=member.id))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """The invitation link: explains what to do, and joins on the button."""
    invitation = service.find_invitation(token)
    problem = service.invitation_problem(invitation)
    status = 404 if invitation is None else 410
    account_issue = False
    form = ButtonForm()
    if problem is None and current_user.is_authenticated:
        problem = service.account_problem(current_user, invitation)
        account_issue, status = problem is not None, 403
        if problem is None and form.validate_on_submit():
            return _accept(invitation)
    return (
        render_template(
            "team/join.html",
            invitation=invitation,
            problem=problem,
            account_issue=account_issue,
            token=token,
        ),
        200 if problem is None else status,
    )


@bp.route("/invitations/<int:invitation_id>/accept", methods=["POST"])
@login_required
def accept(invitation_id: int):
    """Accept from the dashboard, where the invitations to the user's address are listed."""
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.email != current_user.email:
        abort(404)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("pages.dashboard"))
    return _accept(invitation)


def _accept(invitation: Invitation):
    try:
        member = service.accept(current_user, invitation)
    except service.TeamError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.dashboard"))
    flash(_("Welcome: you now represent %(name)s.", name=member.name), "success")
    return redirect(url_for("pledges.plan", member_id=member.id))
