"""Applying to join: the application form, drafts, submission, the council decision download and
the public member page."""

import logging
from dataclasses import asdict
from types import SimpleNamespace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from portal import permissions
from portal.core.cache import public_cache
from portal.core.clock import today_utc
from portal.core.commitments import COMMITMENTS
from portal.core.forms import show_error
from portal.core.pages import cached_for_visitors
from portal.membership import documents, service
from portal.membership.forms import ApplicationForm, SubmitForm
from portal.models import Member
from portal.models.members import CHANGES_REQUESTED, DRAFT, SUBMITTED
from portal.models.publicdata import member_scope
from portal.models.users import Role

logger = logging.getLogger(__name__)
bp = Blueprint("membership", __name__)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    if not permissions.can_apply(current_user):
        if current_user.role == Role.REPRESENTATIVE and not current_user.is_confirmed:
            flash(_("Please confirm your e-mail address with the link we sent you first."), "error")
            return redirect(url_for("pages.dashboard"))
        abort(403)
    form = ApplicationForm()
    if request.method == "POST":
        final = _wants_submission()
        if form.validate_for(final):
            try:
                member = service.create_application(
                    current_user, _data(form), _upload(form), submit=final
                )
            except service.ApplicationError as exc:
                show_error(form, exc)
            else:
                _flash_saved(member, final)
                return redirect(url_for(".application", member_id=member.id))
        return _form_page(form, None), 422
    return _form_page(form, None)


@bp.route("/applications/<int:member_id>")
@login_required
def application(member_id: int):
    member = _visible(member_id)
    editable = permissions.can_edit_application(current_user, member)
    missing = {}
    if editable:
        missing = service.missing_for_submission(
            service.ApplicationData.from_member(member), bool(member.documents)
        )
    return render_template(
        "membership/application.html",
        member=member,
        editable=editable,
        missing=missing,
        submit_form=SubmitForm(formdata=None, version=member.version),
        history=service.history(member),
        commitments=COMMITMENTS,
    )


@bp.route("/applications/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit(member_id: int):
    member = _editable(member_id)
    if request.method == "GET":
        return _form_page(_form_from(member), member)
    form = ApplicationForm()
    final = _wants_submission()
    if form.validate_for(final, has_document=bool(member.documents)):
        try:
            service.update_application(
                current_user,
                member,
                _data(form),
                _upload(form),
                submit=final,
                expected_version=form.version_value(),
            )
        except service.ApplicationError as exc:
            show_error(form, exc)
        else:
            _flash_saved(member, final)
            return redirect(url_for(".application", member_id=member.id))
    return _form_page(form, member), 422


@bp.route("/applications/<int:member_id>/submit", methods=["POST"])
@login_required
def submit(member_id: int):
    member = _editable(member_id)
    form = SubmitForm()
    if not form.validate():
        abort(400)
    try:
        service.submit_application(current_user, member, expected_version=form.version_value())
    except service.ApplicationIncomplete as exc:
        # Show the form with what is missing next to each field.
        form = _form_from(member)
        show_error(form, exc)
        return _form_page(form, member), 422
    except service.ApplicationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".application", member_id=member.id))
    _flash_saved(member, True)
    return redirect(url_for(".application", member_id=member.id))


@bp.route("/applications/<int:member_id>/council-decision")
@login_required
def council_decision(member_id: int):
    member, document = service.council_decision_for(current_user, member_id)
    path = documents.path_for(document.id)
    if not path.is_file():
        logger.error("council decision %s of member %s is missing", document.id, member.id)
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"council-decision-{member.slug}.pdf",
        max_age=0,
        etag=document.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _member_scopes(slug: str) -> list[str]:
    return [member_scope(slug)]


@bp.route("/members/<slug:slug>")
@cached_for_visitors(_member_scopes)
def member_page(slug: str):
    def render_content() -> tuple[str, str] | None:
        member = service.public_member(slug)
        if member is None:
            return None
        profile = service.public_profile(member)
        html = render_template("membership/_member_content.html", profile=profile, member=member)
        return profile["name"], html

    # The content (facts, commitments, actions and their progress) is the same for every visitor
    # in a language: rendered once until this member, its actions or their progress change
    # (the member's version token, renewed at commit), and per day, since deadlines count in
    # days. The layout around it (the visitor's navigation, messages) is rendered per request.
    key = ("member-html", slug, str(get_locale()), today_utc())
    page = public_cache().get(key, render_content, _member_scopes(slug))
    if page is None:
        abort(404)
    name, html = page
    return render_template(
        "membership/member.html",
        name=name,
        content_html=Markup(html),  # noqa: S704 (our own autoescaped template output)
    )


# --- helpers ---------------------------------------------------------------------------------


def _visible(member_id: int) -> Member:
    """The application, or 404 for anyone who may not see it (its existence is private too)."""
    return service.application_for(current_user, member_id)


def _editable(member_id: int) -> Member:
    member = _visible(member_id)
    # A coordinator reads the application but does not write it.
    permissions.require(permissions.represents(current_user, member))
    if not permissions.can_edit_application(current_user, member):
        if member.status == SUBMITTED:
            flash(_("The application is being reviewed and cannot be changed now."), "error")
        else:
            flash(_("The application can no longer be changed."), "error")
        abort(redirect(url_for(".application", member_id=member.id)))
    return member


def _wants_submission() -> bool:
    return request.form.get("action") == "submit"


def _data(form: ApplicationForm) -> service.ApplicationData:
    values = {name: field.data for name, field in form._fields.items()}
    for name in _TEXT_FIELDS:
        values[name] = values.get(name) or ""
    values["geonames_id"] = form.geonames_id_value()
    values["accept_commitments"] = bool(form.accept_commitments.data)
    return service.ApplicationData.from_mapping(values)


# Fields that are text in the application: an empty one is "", never None.
_TEXT_FIELDS = ("region", "website", "mayor_name", "contact_name", "contact_email", "contact_phone")


def _upload(form: ApplicationForm):
    upload = form.council_decision.data
    return upload.stream if upload else None


def _form_from(member: Member) -> ApplicationForm:
    values = asdict(service.ApplicationData.from_member(member))
    values["version"] = member.version
    return ApplicationForm(formdata=None, obj=SimpleNamespace(**values))


def _form_page(form: ApplicationForm, member: Member | None):
    return render_template(
        "membership/apply.html",
        form=form,
        member=member,
        commitments=COMMITMENTS,
        max_mb=current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024),
    )


def _flash_saved(member: Member, submitted: bool) -> None:
    if submitted:
        flash(
            _("Thank you. The application of %(name)s is submitted for review.", name=member.name),
            "success",
        )
    elif member.status in (DRAFT, CHANGES_REQUESTED):
        flash(
            _("Your draft is saved. You can come back and submit it when it is complete."),
            "success",
        )
