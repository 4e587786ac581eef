"""Pages of pledged actions: the representatives' action plan and forms, the coordinators'
comments, good-practice marks and late-members overview, and the public action and
good-practice pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from portal import permissions
from portal.core.cache import public_cache
from portal.core.clock import today_utc
from portal.core.countries import country_choices
from portal.core.forms import show_error
from portal.core.inputs import query_int
from portal.core.once import AlreadySent
from portal.core.pages import cached_for_visitors
from portal.extensions import db
from portal.membership.transitions import TransitionError
from portal.models import Action, Member
from portal.models.pledges import IN_PROGRESS, DeadlineExtension
from portal.models.publicdata import ACTIONS, list_scopes, member_scope
from portal.pledges import catalog, extensions, followup, monitoring, service
from portal.pledges.forms import (
    ActionForm,
    CancelForm,
    CommentForm,
    ConfirmForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    HoldForm,
    LiftHoldForm,
    ProgressForm,
    parse_version,
)

bp = Blueprint("pledges", __name__)


# ---- Template helpers (the public member page and the dashboard include our partials) ----


@bp.app_template_global()
def pledges_public(member: Member) -> dict:
    """What the public member page shows of the member's actions and commitments."""
    actions = service.public_action_records(member)
    # The commitments count the same published actions: no second query for them.
    commitments = followup.commitments_with(member, actions)
    counts = monitoring.action_counts(actions)
    return {
        "actions": actions,
        "commitments": commitments,
        "counts": counts,
        "plan_status": monitoring.plan_status(commitments, counts),
        "quarters": monitoring.reports_per_quarter(actions),
    }


@bp.app_template_global()
def pledges_dashboard(user) -> dict:
    from portal.pledges.dashboard import dashboard_for

    return dashboard_for(user)


@bp.app_template_filter("euro")
def euro(value) -> str:
    return format_currency(value, "EUR")


bp.add_app_template_global(extensions.describe_request, "describe_extension")

for _name, _function in {
    "category_label": catalog.category_label,
    "category_explanation": catalog.category_explanation,
    "space_label": catalog.space_label,
    "funding_label": catalog.funding_label,
}.items():
    bp.add_app_template_filter(_function, _name)


# ---- Helpers ---------------------------------------------------------------------------------


def _visible_member(member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    permissions.require(permissions.can_see_all_actions(current_user, member), hide=True)
    return member


def _visible_action(action_id: int) -> Action:
    action = db.get_or_404(Action, action_id)
    permissions.require(permissions.can_see_all_actions(current_user, action.member), hide=True)
    return action


def _may_manage(member: Member) -> None:
    permissions.require(permissions.can_manage_actions(current_user, member))


def _all_problems(form: ActionForm) -> None:
    """The form failed its own checks: add the service's messages on the other fields too, so
    that every problem shows at once (a date order as well as a missing category)."""
    try:
        service.check_action_data(form.to_data())
    except service.InvalidInput as exc:
        for name, message in exc.errors.items():
            target = getattr(form, name, None)
            if target is not None and not target.errors:
                target.errors = [*target.errors, message]


def _action_page(action: Action, status: int = 200, **forms):
    progress = forms.get("progress_form") or ProgressForm(
        formdata=None,
        reported_on=today_utc(),
        status=action.status if action.status in catalog.PROGRESS_STATUSES else IN_PROGRESS,
        percent_complete=action.percent_complete,
        written_in=action.language,
    )
    commitments = followup.commitments_for(action.member)
    return (
        render_template(
            "pledges/action.html",
            action=action,
            member=action.member,
            commitments=commitments,
            obligation=next((o for o in commitments.obligations if o.action_id == action.id), None),
            can_extend=permissions.can_request_extension(current_user, action.member),
            progress_form=progress,
            comment_form=forms.get("comment_form") or CommentForm(formdata=None),
            button_form=ConfirmForm(),
            can_manage=permissions.can_manage_actions(current_user, action.member),
            can_comment=permissions.can_comment_action(current_user, action),
            can_mark=permissions.can_mark_good_practice(current_user, action),
        ),
        status,
    )


# ---- The representatives' action plan --------------------------------------------------------


@bp.route("/plans/<int:member_id>")
@login_required
def plan(member_id: int):
    member = _visible_member(member_id)
    return render_template(
        "pledges/plan.html",
        member=member,
        actions=service.all_actions(member),
        commitments=followup.commitments_for(member),
        can_manage=permissions.can_manage_actions(current_user, member),
        can_extend=permissions.can_request_extension(current_user, member),
        extension_requests=extensions.extensions_of_member(member),
    )


# ---- More time on a deadline -----------------------------------------------------------------


@bp.route("/plans/<int:member_id>/extensions/new", methods=["GET", "POST"])
@login_required
def request_extension(member_id: int):
    member = _visible_member(member_id)
    permissions.require(permissions.can_request_extension(current_user, member))
    form = ExtensionRequestForm()
    key = form.deadline.data if form.is_submitted() else request.args.get("deadline", "")
    obligation = extensions.obligation_for(member, key or "")
    if obligation is None or not obligation.may_ask_for_extension:
        flash(
            _("This deadline cannot be extended: it is met, or more time was asked for already.")
            if obligation is not None
            else _("This deadline is not open: there is nothing to extend."),
            "error",
        )
        return redirect(url_for("pledges.plan", member_id=member.id))
    if not form.is_submitted():
        form.deadline.data = key
        form.until.data = extensions.default_until(obligation)
    elif form.validate_on_submit():
        try:
            extensions.request_extension(
                current_user, member, key, form.until.data, form.reason.data
            )
        except extensions.ExtensionError as exc:
            show_error(form, exc)
        else:
            flash(
                _("Your request is sent to your coordinator. You will get the answer by e-mail."),
                "success",
            )
            return redirect(url_for("pledges.plan", member_id=member.id) + "#extensions")
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "pledges/extension_request.html",
            form=form,
            member=member,
            obligation=obligation,
            latest=extensions.latest_allowed(obligation),
            max_months=extensions.max_months(),
        ),
        status,
    )


@bp.route("/coordination/extensions")
@login_required
def extension_requests():
    permissions.require(permissions.can_follow_up(current_user))
    return _extension_requests_page()


def _extension_requests_page(failed: DeadlineExtension | None = None, form=None, status=200):
    found = extensions.requests_for(current_user)
    forms = {
        e.id: ExtensionDecisionForm(
            formdata=None, decision="grant", new_due_on=e.requested_until, prefix=f"x{e.id}"
        )
        for e in found.waiting
    }
    if failed is not None and form is not None:
        forms[failed.id] = form
    return (
        render_template(
            "pledges/extensions.html",
            waiting=found.waiting,
            answered=found.answered,
            forms=forms,
            describe=extensions.describe_request,
        ),
        status,
    )


@bp.route("/coordination/extensions/<int:extension_id>", methods=["POST"])
@login_required
def decide_extension(extension_id: int):
    extension = db.get_or_404(DeadlineExtension, extension_id)
    permissions.require(permissions.can_decide_extension(current_user, extension.member), hide=True)
    form = ExtensionDecisionForm(prefix=f"x{extension.id}")
    if form.validate_on_submit():
        grant = form.decision.data == "grant"
        try:
            extensions.decide_extension(
                current_user, extension, grant, form.new_due_on.data, form.comment.data or ""
            )
        except extensions.ExtensionError as exc:
            if exc.field is None:  # answered meanwhile: nothing to correct in the form
                flash(exc.message, "error")
                return redirect(url_for("pledges.extension_requests"))
            show_error(form, exc)
        else:
            flash(
                _("More time is granted to %(name)s.", name=extension.member.name)
                if grant
                else _("The request of %(name)s is refused.", name=extension.member.name),
                "success",
            )
            return redirect(url_for("pledges.extension_requests"))
    return _extension_requests_page(extension, form, 422)


@bp.route("/plans/<int:member_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(member_id: int):
    member = _visible_member(member_id)
    _may_manage(member)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            action = service.create_action(
                current_user,
                member,
                form.to_data(),
                publish=form.publish.data,
                form_token=form.form_token.data,
            )
        except AlreadySent as exc:
            flash(exc.message, "info")
            return redirect(url_for("pledges.plan", member_id=member.id))
        except service.InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(_("The action is saved."), "success")
            return redirect(url_for("pledges.action", action_id=action.id))
    elif form.is_submitted():
        _all_problems(form)
    status = 422 if form.is_submitted() else 200
    return render_template("pledges/action_form.html", form=form, member=member), status


@bp.route("/actions/<int:action_id>")
@login_required
def action(action_id: int):
    return _action_page(_visible_action(action_id))


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action(action_id: int):
    action = _visible_action(action_id)
    _may_manage(action.member)
    form = ActionForm()
    del form.publish
    del form.form_token  # saving the same edit twice changes nothing
    if not form.is_submitted():
        form.fill_from(action)
    if form.validate_on_submit():
        try:
            service.update_action(current_user, action, form.to_data())
        except service.InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(_("The action is saved."), "success")
            return redirect(url_for("pledges.action", action_id=action.id))
    elif form.is_submitted():
        _all_problems(form)
    status = 422 if form.is_submitted() else 200
    return (
        render_template("pledges/action_form.html", form=form, member=action.member, action=action),
        status,
    )


@bp.route("/actions/<int:action_id>/progress", methods=["POST"])
@login_required
def add_progress(action_id: int):
    action = _visible_action(action_id)
    _may_manage(action.member)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            service.add_progress(
                current_user,
                action,
                form.reported_on.data,
                form.text.data,
                form.percent_complete.data,
                form.status.data,
                form_token=form.form_token.data,
                language=form.language.data,
            )
        except AlreadySent as exc:
            flash(exc.message, "info")
            return redirect(url_for("pledges.action", action_id=action.id) + "#history")
        except service.InvalidInput as exc:
            show_error(form, exc)
        except service.PledgeError as exc:
            flash(exc.message, "error")
            return redirect(url_for("pledges.action", action_id=action.id))
        else:
            flash(_("The progress update is saved."), "success")
            return redirect(url_for("pledges.action", action_id=action.id) + "#history")
    return _action_page(db.session.get(Action, action_id), 422, progress_form=form)


@bp.route("/actions/<int:action_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_action(action_id: int):
    action = _visible_action(action_id)
    _may_manage(action.member)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_action(
                current_user, action, form.reason.data, language=str(get_locale())
            )
        except service.InvalidInput as exc:
            show_error(form, exc)
        except service.PledgeError as exc:
            flash(exc.message, "error")
            return redirect(url_for("pledges.action", action_id=action.id))
        else:
            flash(_("The action is cancelled."), "success")
            return redirect(url_for("pledges.action", action_id=action.id))
    status = 422 if form.is_submitted() else 200
    return render_template("pledges/cancel.html", form=form, action=action), status


@bp.route("/actions/<int:action_id>/publish", methods=["POST"])
@login_required
def publish_action(action_id: int):
    action = _visible_action(action_id)
    _may_manage(action.member)
    if ConfirmForm().validate_on_submit():
        service.publish_action(current_user, action)
        flash(_("The action is published on the member's public page."), "success")
    return redirect(url_for("pledges.action", action_id=action.id))


@bp.route("/actions/<int:action_id>/unpublish", methods=["POST"])
@login_required
def unpublish_action(action_id: int):
    action = _visible_action(action_id)
    _may_manage(action.member)
    if ConfirmForm().validate_on_submit():
        service.unpublish_action(current_user, action)
        flash(_("The action is no longer public."), "success")
    return redirect(url_for("pledges.action", action_id=action.id))


# ---- Coordinators: comments, good practice, late members --------------------------------------


@bp.route("/actions/<int:action_id>/comments", methods=["POST"])
@login_required
def add_comment(action_id: int):
    action = _visible_action(action_id)
    permissions.require(permissions.can_comment_action(current_user, action))
    form = CommentForm()
    if form.validate_on_submit():
        try:
            service.add_comment(
                current_user, action, form.body.data, form_token=form.form_token.data
            )
        except AlreadySent as exc:
            flash(exc.message, "info")
            return redirect(url_for("pledges.action", action_id=action.id) + "#comments")
        except service.InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(_("Your comment is saved; the representatives are told by e-mail."), "success")
            return redirect(url_for("pledges.action", action_id=action.id) + "#comments")
    return _action_page(db.session.get(Action, action_id), 422, comment_form=form)


@bp.route("/actions/<int:action_id>/good-practice", methods=["POST"])
@login_required
def good_practice_mark(action_id: int):
    action = _visible_action(action_id)
    permissions.require(permissions.can_mark_good_practice(current_user, action))
    good = request.form.get("good") == "1"
    if ConfirmForm().validate_on_submit():
        try:
            service.set_good_practice(current_user, action, good)
        except service.PledgeError as exc:
            flash(exc.message, "error")
        else:
            flash(
                _("The action is marked as a good practice.")
                if good
                else _("The action is no longer marked as a good practice."),
                "success",
            )
    return redirect(url_for("pledges.action", action_id=action.id))


@bp.route("/coordination/late")
@login_required
def late_members():
    permissions.require(permissions.can_follow_up(current_user))
    late, caught_up = followup.overview(current_user)
    return render_template(
        "pledges/late.html",
        late=late,
        caught_up=caught_up,
        rules=followup.rules(),
        today=today_utc(),
    )


def _hold_target(member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    permissions.require(permissions.coordinates(current_user, member.country), hide=True)
    permissions.require(permissions.can_hold_for_lateness(current_user, member))
    return member


@bp.route("/coordination/members/<int:member_id>/hold", methods=["POST"])
@login_required
def put_on_hold(member_id: int):
    member = _hold_target(member_id)
    form = HoldForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the hold; it is shown on the member's public page."), "error")
        return redirect(url_for("pledges.late_members") + f"#member-{member.id}")
    try:
        followup.put_on_hold(
            current_user, member, form.reason.data, parse_version(form.version.data)
        )
    except (TransitionError, service.PledgeError) as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(name)s is on hold.", name=member.name), "success")
    return redirect(url_for("pledges.late_members"))


@bp.route("/coordination/members/<int:member_id>/lift-hold", methods=["POST"])
@login_required
def lift_hold(member_id: int):
    member = _hold_target(member_id)
    form = LiftHoldForm()
    if form.validate_on_submit():
        try:
            followup.lift_hold(
                current_user, member, form.reason.data or "", parse_version(form.version.data)
            )
        except (TransitionError, service.PledgeError) as exc:
            flash(exc.message, "error")
        else:
            flash(_("The hold on %(name)s is lifted.", name=member.name), "success")
    return redirect(url_for("pledges.late_members"))


# ---- Public pages ----------------------------------------------------------------------------


def _member_scopes(slug: str, action_id: int) -> list[str]:
    return [member_scope(slug)]


def _good_practice_scopes() -> tuple[str, ...]:
    country = request.args.get("country", "")
    return list_scopes(ACTIONS, [country] if country in dict(country_choices()) else [])


@bp.route("/members/<slug:slug>/actions/<int:action_id>")
@cached_for_visitors(_member_scopes)
def public_action(slug: str, action_id: int):
    action = service.public_action(slug, action_id)
    if action is None:
        abort(404)
    return render_template(
        "pledges/public_action.html",
        action=action,
        member=action.member,
        commitments=followup.commitments_for(action.member),
    )


@bp.route("/good-practice")
@cached_for_visitors(_good_practice_scopes)
def good_practice():
    category = request.args.get("category", "")
    country = request.args.get("country", "")
    page_number = query_int(request.args, "page", 1)

    def render_content() -> str:
        return render_template(
            "pledges/_good_practice_content.html",
            page=service.good_practices(category, country, page_number),
            category=category if category in catalog.CATEGORIES else "",
            country=country if country in dict(country_choices()) else "",
            categories=catalog.category_choices(),
            countries=country_choices(),
        )

    # The same for everyone asking the same thing in the same language: rendered once until
    # an action of the country asked for (of any country) changes; the layout per request.
    key = ("good-practice-html", category, country, page_number, str(get_locale()))
    content = public_cache().get(key, render_content, _good_practice_scopes())
    return render_template(
        "pledges/good_practice.html",
        content_html=Markup(content),  # noqa: S704 (our own autoescaped template output)
    )
