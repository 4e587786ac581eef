"""Pages of the review feature (being built)."""

from flask import Blueprint

bp = Blueprint("review", __name__)


@bp.route("/review")
def queue():
    return "", 501
