"""GET /admin/audit: the audit trail, filtered and paged. There is no route that changes it."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from portal import permissions
from portal.audit import service
from portal.audit.forms import AuditFilterForm
from portal.core.audit import ACTIONS
from portal.models.members import MemberStatus
from portal.models.users import Role

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


def _translated(labels: dict) -> dict[str, str]:
    # Each label translated once per page, not once per row that shows it.
    return {key: str(label) for key, label in labels.items()}


def _page(form: AuditFilterForm, page: service.AuditPage | None) -> str:
    roles = _translated({role.value: role.label for role in Role})

    def account_label(label: str) -> str:
        """'coordinator #41' in the reader's words: 'Coordinator #41'."""
        role, _, number = label.partition(" #")
        return f"{roles.get(role, role)} #{number}"

    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        trail_url=url_for("audit.trail"),
        action_labels=_translated(ACTIONS),
        status_labels=_translated({status.value: status.label for status in MemberStatus}),
        account_label=account_label,
        target_types=_translated(service.TARGET_TYPES),
        sign_in_failures=_translated(service.SIGN_IN_FAILURES),
        count_limit=service.COUNT_LIMIT,
    )
