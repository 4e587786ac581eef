"""The person's sessions, their password and the confirmation asked before sensitive actions."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.auth import guard, second_factor, service, sessions
from portal.auth.blueprint import bp
from portal.auth.forms import ChangeEmailForm, ChangePasswordForm, ConfirmForm, ConfirmIdentityForm
from portal.auth.reauth import mark_authenticated, require_recent_auth
from portal.core.forms import show_error
from portal.core.inputs import MAX_ID, whole_number
from portal.core.links import is_local_url
from portal.extensions import limiter


def open_sign_ins():
    return sessions.open_sign_ins(current_user, current_user)


@bp.route("/sessions/end", methods=["POST"])
@login_required
def end_sign_in():
    sign_in_id = whole_number(request.form.get("sign_in", ""), 1, MAX_ID)
    if sign_in_id is not None and sessions.end_other_sign_in(
        current_user, sign_in_id, guard.current_sign_in_key()
    ):
        flash(_("That session is ended."), "success")
    else:
        flash(_("There is no such session, or it has ended already."), "error")
    return redirect(url_for("auth.account", _anchor="sessions"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sign_ins():
    ended = sessions.end_other_sessions(current_user, guard.current_sign_in_key())
    guard.keep_current_session(current_user)
    flash(
        ngettext("%(num)d other session is ended.", "%(num)d other sessions are ended.", ended),
        "success",
    )
    return redirect(url_for("auth.account", _anchor="sessions"))


@bp.route("/change-password", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
@require_recent_auth
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user,
                form.current_password.data,
                form.password.data,
                guard.current_sign_in_key(),
            )
        except service.AccountError as exc:
            show_error(form, exc)
        else:
            guard.keep_current_session(current_user)
            flash(_("Your password is changed. Your other sessions are ended."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
@require_recent_auth
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            address = service.request_email_change(current_user, form.email.data)
        except service.AccountError as exc:
            show_error(form, exc)
        else:
            flash(
                _(
                    "We have sent a link to %(email)s. Your address changes when you open it "
                    "(within three days), signed in as you are now.",
                    email=address,
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token: str):
    address = service.email_change_target(current_user, token)
    form = ConfirmForm()
    if address is not None and form.validate_on_submit():
        try:
            service.confirm_email_change(current_user, token, guard.current_sign_in_key())
        except service.AccountError as exc:
            flash(exc.message, "error")
        else:
            guard.keep_current_session(current_user)
            flash(
                _(
                    "Your e-mail address is now %(email)s. Your other sessions are ended.",
                    email=address,
                ),
                "success",
            )
        return redirect(url_for("auth.account"))
    status = 200 if address is not None else 410
    return render_template("auth/confirm_email_change.html", form=form, address=address), status


@bp.route("/confirm-identity", methods=["GET", "POST"])
@login_required
@limiter.limit("10/15 minutes", methods=["POST"])
def reauthenticate():
    next_url = request.args.get("next")
    target = next_url if is_local_url(next_url) else url_for("auth.account")
    form = ConfirmIdentityForm(needs_code=current_user.has_second_factor)
    if form.validate_on_submit():
        try:
            service.confirm_identity(
                current_user,
                form.password.data,
                code=form.code.data or "",
                recovery_code=form.recovery_code.data or "",
            )
        except (service.AccountError, second_factor.SecondFactorError) as exc:
            show_error(form, exc)
        else:
            mark_authenticated()
            return redirect(target)
    return render_template("auth/reauthenticate.html", form=form)
