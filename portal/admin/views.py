"""Pages of the admin feature (being built)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)


@bp.route("/admin/coordinators")
def coordinators():
    return "", 501
