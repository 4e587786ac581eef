"""Second-factor pages: the code step of signing in, setting the factor up, recovery codes."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import guard, second_factor, service
from portal.auth.blueprint import bp
from portal.auth.forms import CodeForm, SetupSecondFactorForm
from portal.auth.reauth import require_recent_auth
from portal.core import clock
from portal.core.forms import show_error
from portal.core.session_store import renew_session_id
from portal.extensions import limiter

PENDING = "_pending_sign_in"
PENDING_SECONDS = 5 * 60  # the password step counts this long while the code is awaited
SETUP_KEY = "_second_factor_setup"


def await_code(user, remember: bool, target: str) -> None:
    """The password was right: wait for the code. This state opens nothing else."""
    session.clear()
    renew_session_id(session)
    session[PENDING] = {
        "uid": user.id,
        "at": clock.now_utc().timestamp(),
        "remember": bool(remember),
        "next": target,
    }


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, None
    age = clock.now_utc().timestamp() - pending.get("at", 0)
    user = service.active_user(pending.get("uid")) if 0 <= age <= PENDING_SECONDS else None
    if user is None or not user.has_second_factor:
        session.pop(PENDING, None)
        return None, None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10/15 minutes", methods=["POST"])
def login_code():
    user, pending = _pending_user()
    if user is None:
        flash(_("Please sign in with your e-mail address and password first."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            second_factor.verify(
                user, code=form.code.data or "", recovery_code=form.recovery_code.data or ""
            )
        except second_factor.SecondFactorError as exc:
            show_error(form, exc)
        else:
            return guard.finish_sign_in(user, pending["remember"], pending["next"])
    return render_template("auth/login_code.html", form=form)


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
@limiter.limit("10/15 minutes", methods=["POST"])
@require_recent_auth
def setup_second_factor():
    """Set up the second factor, or move it to a new device (a new key and new codes)."""
    secret = session.get(SETUP_KEY)
    if not isinstance(secret, str) or request.method == "GET":
        secret = second_factor.new_secret()
        session[SETUP_KEY] = secret
    form = SetupSecondFactorForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(
                current_user, secret, form.code.data, guard.current_sign_in_key()
            )
        except second_factor.SecondFactorError as exc:
            show_error(form, exc)
        else:
            session.pop(SETUP_KEY, None)
            guard.keep_current_session(current_user)
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
    uri = second_factor.setup_uri(current_user, secret)
    return render_template(
        "auth/setup_second_factor.html",
        form=form,
        qr=second_factor.qr_svg(uri, _("QR code to add the portal to your authenticator app")),
        key=second_factor.grouped(secret),
        required=current_user.is_privileged,
    )


@bp.route("/second-factor/recovery-codes", methods=["POST"])
@login_required
@require_recent_auth
def new_recovery_codes():
    try:
        codes = second_factor.new_recovery_codes(current_user)
    except second_factor.SecondFactorError as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.account"))
    return render_template("auth/recovery_codes.html", codes=codes, first=False)


@bp.route("/second-factor/turn-off", methods=["POST"])
@login_required
@require_recent_auth
def turn_off_second_factor():
    second_factor.turn_off(current_user, guard.current_sign_in_key())
    guard.keep_current_session(current_user)
    flash(_("The second factor is turned off. Your other sessions are ended."), "success")
    return redirect(url_for("auth.account"))
