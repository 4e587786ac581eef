"""Home, About the covenant, help and contact, privacy notice, accessibility statement, language
choice and the signed-in user's dashboard."""

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from portal.core import readiness
from portal.core.cache import public_cache
from portal.core.commitments import COMMITMENTS
from portal.core.links import is_local_url
from portal.core.pages import AGGREGATE, cached_for_visitors
from portal.pages import service

bp = Blueprint("pages", __name__)


@bp.route("/")
@cached_for_visitors(AGGREGATE)
def home():
    # An aggregate: counted once every few seconds at most (AGGREGATE_REFRESH_SECONDS).
    figures = public_cache().aggregate(("home-figures",), service.headline_figures).value
    return render_template("pages/home.html", figures=figures)


@bp.route("/about")
def about():
    return render_template("pages/about.html", commitments=COMMITMENTS)


@bp.route("/help")
def help():  # noqa: A001 (the endpoint's name: pages.help)
    return render_template("pages/help.html", **service.help_facts())


@bp.app_template_test("posting_form")
def is_posting_form(form) -> bool:
    """A form that changes something (it gets the way to the helpdesk); not a GET filter, which
    says so by turning CSRF off in its Meta."""
    if not isinstance(form, FlaskForm):
        return False
    ours = type(form).__mro__[: type(form).__mro__.index(FlaskForm)]  # not WTForms' defaults
    metas = (vars(cls).get("Meta") for cls in ours)
    return not any(meta is not None and vars(meta).get("csrf") is False for meta in metas)


@bp.route("/privacy")
def privacy():
    return render_template("pages/privacy.html", **service.privacy_facts())


@bp.route("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html", **service.accessibility_facts())


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """200 when the database, Redis (if set) and the schema are fine; 503 naming what is not."""
    failing = readiness.problems()
    body = {"status": "not ready", "failing": failing} if failing else {"status": "ready"}
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/language/<code>")
def choose_language_link(code: str):
    """The footer's language links: plain GET links rather than a form, so that showing them
    needs no CSRF token and an anonymous visitor gets no session until they choose. Only a
    language preference changes here, so a forged link can do no harm."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.args.get("next")
    return redirect(target if is_local_url(target) else url_for("pages.home"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("pages/dashboard.html", **service.dashboard_for(current_user))
