"""The accounts blueprint, shared by the modules of auth that add pages to it."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")
