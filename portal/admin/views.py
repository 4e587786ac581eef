"""Administration pages: the coordinators, their countries, invitations and deactivation; the
outbox and the daily jobs."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import permissions
from portal.admin import outbox, service
from portal.admin.forms import CountriesForm, InviteCoordinatorForm
from portal.auth import second_factor, sessions
from portal.auth.reauth import require_recent_auth
from portal.core.forms import show_error
from portal.core.once import AlreadySent

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_administrators():
    permissions.require(permissions.can_manage_coordinators(current_user))


def _coordinator_or_404(user_id: int):
    user = service.get_coordinator(current_user, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/coordinators")
def coordinators():
    return render_template(
        "admin/coordinators.html",
        coordinators=service.list_coordinators(current_user),
        uncovered=service.uncovered_countries(current_user),
    )


@bp.route("/coordinators/invite", methods=["GET", "POST"])
@require_recent_auth
def invite():
    form = InviteCoordinatorForm()
    if form.validate_on_submit():
        try:
            user = service.invite_coordinator(
                current_user,
                form.email.data,
                form.name.data or "",
                form.countries.data,
                form_token=form.form_token.data,
            )
        except AlreadySent as exc:
            flash(exc.message, "info")
            return redirect(url_for("admin.coordinators"))
        except service.AdminError as exc:
            show_error(form, exc)
        else:
            message = _("%(email)s is invited; we have mailed them a link.", email=user.email)
            flash(message, "success")
            return redirect(url_for("admin.coordinators"))
    return render_template("admin/invite.html", form=form)


@bp.route("/coordinators/<int:user_id>", methods=["GET", "POST"])
@require_recent_auth
def coordinator(user_id: int):
    user = _coordinator_or_404(user_id)
    # On POST only what was sent counts: a form with every box unticked must not fall back to
    # the saved countries.
    saved = None if request.method == "POST" else {"countries": sorted(user.country_codes)}
    form = CountriesForm(data=saved)
    if form.validate_on_submit():
        try:
            service.set_coordinator_countries(current_user, user, form.countries.data)
        except service.AdminError as exc:
            show_error(form, exc)
        else:
            flash(_("The countries of %(name)s are saved.", name=user.name), "success")
            return redirect(url_for("admin.coordinators"))
    return render_template(
        "admin/coordinator.html",
        form=form,
        coordinator=user,
        sign_ins=sessions.open_sign_ins(current_user, user),
    )


@bp.route("/coordinators/<int:user_id>/deactivate", methods=["POST"])
@require_recent_auth
def deactivate(user_id: int):
    user = _coordinator_or_404(user_id)
    service.set_coordinator_active(current_user, user, False)
    flash(_("%(name)s is deactivated and can no longer sign in.", name=user.name), "success")
    return redirect(url_for("admin.coordinators"))


@bp.route("/coordinators/<int:user_id>/reactivate", methods=["POST"])
@require_recent_auth
def reactivate(user_id: int):
    user = _coordinator_or_404(user_id)
    service.set_coordinator_active(current_user, user, True)
    flash(_("%(name)s is active again.", name=user.name), "success")
    return redirect(url_for("admin.coordinators"))


@bp.route("/coordinators/<int:user_id>/invitation", methods=["POST"])
def resend_invitation(user_id: int):
    user = _coordinator_or_404(user_id)
    try:
        service.resend_invitation(current_user, user)
    except service.AdminError as exc:
        flash(exc.message, "error")
    else:
        flash(_("A new invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.coordinators"))


@bp.route("/coordinators/<int:user_id>/second-factor/reset", methods=["POST"])
@require_recent_auth
def reset_second_factor(user_id: int):
    user = _coordinator_or_404(user_id)
    second_factor.reset(current_user, user)
    flash(
        _(
            "The second factor of %(name)s is reset and their sessions are ended; they set it "
            "up again when they next sign in.",
            name=user.name,
        ),
        "success",
    )
    return redirect(url_for("admin.coordinator", user_id=user.id))


@bp.route("/coordinators/<int:user_id>/sessions/end", methods=["POST"])
@require_recent_auth
def end_sessions(user_id: int):
    user = _coordinator_or_404(user_id)
    sessions.end_sessions_of(current_user, user)
    flash(_("%(name)s is signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.coordinator", user_id=user.id))


@bp.route("/mail")
def mail():
    return render_template("admin/mail.html", outbox=outbox.overview(current_user))


@bp.route("/mail/send-again", methods=["POST"])
@bp.route("/mail/<int:mail_id>/send-again", methods=["POST"])
def send_mail_again(mail_id: int | None = None):
    count = outbox.send_again(current_user, mail_id)
    if count:
        flash(
            ngettext(
                "%(num)d mail is back in the outbox, with all its attempts.",
                "%(num)d mails are back in the outbox, with all their attempts.",
                count,
            ),
            "success",
        )
    else:
        flash(_("There was no given-up mail to send again."), "info")
    return redirect(url_for("admin.mail"))
