"""Pages of the membership feature (being built)."""

from flask import Blueprint

bp = Blueprint("membership", __name__)


@bp.route("/apply")
def apply():
    return "", 501


@bp.route("/applications/<int:member_id>")
def application(member_id: int):
    return "", 501


@bp.route("/members/<slug>")
def member_page(slug: str):
    return "", 501
