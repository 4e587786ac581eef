"""GET /admin/audit: the audit trail, filtered and paged. There is no route that changes it."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from portal import permissions
from portal.audit import service
from portal.audit.forms import AuditFilterForm
from portal.auth.roles import role_label
from portal.core.audit import action_label

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.route("")
@login_required
def trail():
    permissions.require(permissions.can_read_audit(current_user))
    countries = permissions.audit_countries(current_user)
    form = AuditFilterForm(countries, formdata=request.args)
    if not form.validate():
        return _page(form, None), 400
    page = service.read(
        current_user,
        form.filters(),
        before=service.Cursor.parse(request.args.get("before")),
        after=service.Cursor.parse(request.args.get("after")),
    )
    return _page(form, page)


def _page(form: AuditFilterForm, page: service.AuditPage | None) -> str:
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        action_label=action_label,
        role_label=role_label,
        target_types=service.TARGET_TYPES,
        sign_in_failures=service.SIGN_IN_FAILURES,
        count_limit=service.COUNT_LIMIT,
    )
