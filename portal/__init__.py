"""The covenant portal: create_app builds the Flask application."""

import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR
from portal.core import inputs


def create_app(config: object | dict | None = None) -> Flask:
    """Build the app. `config` is a config class, an instance, or a dict of overrides."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    load_config(app, config)
    inputs.register(app)
    register_request_ids(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_reconnect(app)
    register_commands(app)
    register_mail_delivery(app)
    freeze = app.config["FREEZE_LONG_LIVED"]
    if app.config["PRELOAD_GAZETTEER"]:
        load_gazetteer(freeze)
    if freeze:
        from portal.core.memory import freeze_long_lived

        freeze_long_lived()
    return app


def load_gazetteer(freeze: bool = False) -> None:
    """Start loading the gazetteer of EU places in the background (once per process, about a
    second), so that the first place search does not wait for it; then, with `freeze`, leave
    it out of the garbage collector's walks (portal.core.memory)."""
    from portal.places.service import warm_up

    warm_up(freeze)


def load_config(app: Flask, config: object | dict | None) -> None:
    env = os.environ.get("PORTAL_ENV", "development")
    overrides = config if isinstance(config, dict) else None
    chosen = config if config is not None and overrides is None else CONFIGS[env]
    app.config.from_object(chosen() if isinstance(chosen, type) else chosen)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # One setting for what processes share: the rate limits count in Redis too, so that
        # attempts spread over several processes or hosts are counted together.
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        # Development only (production refuses to start without one): keep a random key in
        # the instance folder so sessions survive a restart and no key is ever checked in.
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    from portal.core.logs import configure_logging

    configure_logging()


def register_request_ids(app: Flask) -> None:
    from portal.core.logs import register

    register(app)


def register_extensions(app: Flask) -> None:
    from portal.core.i18n import install_template_gettext, select_locale
    from portal.core.session_store import register as register_sessions
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
    from portal.models.search import include_name as search_include_name
    from portal.models.search import include_object as search_include_object

    db.init_app(app)
    register_sessions(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_object=search_include_object,
        include_name=search_include_name,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from portal.auth.service import load_user

    login_manager.user_loader(load_user)
    event.listen(Engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, wait instead of failing when busy."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    from portal.account.views import bp as account_bp
    from portal.admin.views import bp as admin_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.directory.map_views import bp as map_bp
    from portal.directory.views import bp as directory_bp
    from portal.membership.views import bp as membership_bp
    from portal.pages.views import bp as pages_bp
    from portal.places.views import bp as places_bp
    from portal.pledges.views import bp as pledges_bp
    from portal.review.views import bp as review_bp
    from portal.stats.views import bp as stats_bp
    from portal.team.views import bp as team_bp

    for blueprint in (pages_bp, auth_bp, membership_bp, review_bp, admin_bp, directory_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(places_bp)
    for blueprint in (pledges_bp, team_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(map_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(audit_bp)
    from portal.syndication.views import bp as syndication_bp

    app.register_blueprint(syndication_bp)
    register_api(app)


def register_api(app: Flask) -> None:
    from portal.api.views import bp as api_bp
    from portal.extensions import csrf

    csrf.exempt(api_bp)  # read-only GET answers for any origin: no session, nothing to forge
    app.register_blueprint(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from portal.core.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from portal import permissions
    from portal.core.templating import register

    register(app)
    app.jinja_env.globals["can"] = permissions  # core knows nothing of who may do what


def register_security_headers(app: Flask) -> None:
    from portal.core.security import register

    register(app)


def register_reconnect(app: Flask) -> None:
    from portal.core.reconnect import register

    register(app)


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)


def register_mail_delivery(app: Flask) -> None:
    from portal.core.mail.delivery import register

    register(app)
