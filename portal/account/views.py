"""A person's own data: download it as JSON, or delete the account."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.account import erasure, export
from portal.account.confirm import password_confirmed
from portal.account.forms import ConfirmPasswordForm, DeleteAccountForm
from portal.auth.reauth import require_recent_auth
from portal.core import clock
from portal.core.forms import show_error
from portal.extensions import limiter

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.after_request
def never_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _confirmed(form: ConfirmPasswordForm) -> bool:
    if not form.validate_on_submit():
        return False
    if not password_confirmed(current_user, form.password.data):
        form.password.errors.append(_("This is not your current password."))
        return False
    return True


@bp.route("/data", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
@require_recent_auth
def download():
    form = ConfirmPasswordForm()
    if _confirmed(form):
        document = export.personal_data(current_user, current_user)
        filename = f"covenant-portal-data-{clock.today_utc().isoformat()}.json"
        return Response(
            json.dumps(document, ensure_ascii=False, indent=2),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return render_template("account/download.html", form=form), 400 if form.errors else 200


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
@require_recent_auth
def delete():
    form = DeleteAccountForm()
    if _confirmed(form):
        try:
            erasure.erase_account(current_user, current_user)
        except erasure.ErasureError as exc:
            show_error(form, exc)
        else:
            logout_user()
            flash(_("Your account is deleted. Thank you for your work for the covenant."), "info")
            return redirect(url_for("pages.home"))
    return render_template(
        "account/delete.html", form=form
    ), 400 if form.errors or form.form_errors else 200
