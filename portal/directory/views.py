"""The public member directory."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member
from portal.models.members import PUBLIC_STATUSES

bp = Blueprint("directory", __name__)


@bp.route("/members")
def members():
    page = db.paginate(
        select(Member).where(Member.status.in_(PUBLIC_STATUSES)).order_by(Member.name_key),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template("directory/members.html", page=page)
