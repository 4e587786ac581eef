"""Account pages: register, confirm, sign in and out, reset or set a password."""

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import guard, second_factor, second_factor_views, service, session_views
from portal.auth.blueprint import bp
from portal.auth.forms import AccountForm, EmailForm, LoginForm, RegisterForm, SetPasswordForm
from portal.auth.people import person_label
from portal.core.forms import show_error
from portal.core.links import is_local_url
from portal.core.templating import language_options
from portal.extensions import limiter

# Every page names people through this filter, so an erased account reads as a pseudonym.
bp.add_app_template_filter(person_label, "person")
__all__ = ["bp", "second_factor_views", "session_views"]  # those modules add their pages to bp

guard.register(bp)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            service.register_representative(
                form.email.data, form.name.data, form.password.data, str(get_locale())
            )
        except service.AccountError as exc:
            show_error(form, exc)
        else:
            return render_template("auth/check_mail.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/confirm/<token>")
def confirm(token: str):
    user = service.confirm_email(token)
    if user is None:
        flash(
            _("This confirmation link is invalid or has expired. Ask for a new one below."), "error"
        )
        return redirect(url_for("auth.resend"))
    flash(_("Thank you, your e-mail address is confirmed. You can sign in now."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def resend():
    form = EmailForm()
    if form.validate_on_submit():
        service.resend_confirmation(form.email.data)
        return render_template("auth/check_mail.html", email=form.email.data)
    return render_template("auth/resend.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/15 minutes", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.AccountError as exc:
            show_error(form, exc)
            return render_template("auth/login.html", form=form), 403
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is wrong."))
        else:
            target = next_url if is_local_url(next_url) else url_for("pages.dashboard")
            if user.has_second_factor:
                second_factor_views.await_code(user, form.remember.data, target)
                return redirect(url_for("auth.login_code"))
            return guard.finish_sign_in(user, form.remember.data, target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    guard.end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        return render_template("auth/check_mail.html", email=form.email.data, reset=True)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    user = service.password_token_user(token)
    if user is None:
        flash(_("This link is invalid, has expired or was used already."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(user, form.password.data)
        except service.AccountError as exc:
            show_error(form, exc)
        else:
            flash(_("Your password is set. You can sign in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)


@bp.route("", methods=["GET", "POST"])
@login_required
def account():
    languages = language_options(current_app.config["LANGUAGES"])
    saved = {
        "name": current_user.name,
        "locale": current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
    }
    form = AccountForm(languages=languages, data=None if request.method == "POST" else saved)
    if form.validate_on_submit():
        try:
            service.update_account(current_user, form.name.data, form.locale.data)
        except service.AccountError as exc:
            show_error(form, exc)
        else:
            # The language chosen in the footer for this visit gives way to the saved preference.
            session.pop("lang", None)
            flash(_("Your account is saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        sign_ins=session_views.open_sign_ins(),
        current_key=guard.current_sign_in_key(),
        recovery_codes_left=second_factor.recovery_codes_left(current_user),
    )
