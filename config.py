"""Configuration classes: Development (SQLite in instance/), Testing, Production.

Secrets come only from the environment. Production refuses to start without SECRET_KEY,
DATABASE_URL and PUBLIC_BASE_URL. DATABASE_URL chooses the database: sqlite:///path or postgresql+psycopg://...
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """A setting the portal cannot start without is missing."""


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


class Config:
    PORTAL_NAME = "Covenant of Mayors for Safer Public Spaces"
    # No pool_pre_ping: it costs a round trip to the database on every request, as much as the
    # one query of a cached public page. Connections are renewed after 30 minutes instead, before
    # a server or firewall closes idle ones (PostgreSQL itself keeps them). If the database
    # restarts, the request that meets a dropped connection fails once; SQLAlchemy then discards
    # every pooled connection of that process, so the next requests get fresh ones.
    # hide_parameters: SQL logging (echo) and database errors show statements without their
    # values, which include mailed links with their tokens and everything users enter.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800, "hide_parameters": True}
    # A read (GET) that finds the database restarting waits this long for it at most
    # (portal.core.reconnect); a write is never sent again.
    RECONNECT_WAIT_SECONDS = float(os.environ.get("RECONNECT_WAIT_SECONDS", 15))
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; a long form must not expire
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024  # the 10 MB council decision plus the form around it
    MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "file")  # file | smtp
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Covenant portal <no-reply@covenant.localhost>")
    MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST", "localhost")
    MAIL_SMTP_PORT = _env_int("MAIL_SMTP_PORT", 587)
    MAIL_SMTP_USER = os.environ.get("MAIL_SMTP_USER")
    MAIL_SMTP_PASSWORD = os.environ.get("MAIL_SMTP_PASSWORD")
    MAIL_SMTP_STARTTLS = os.environ.get("MAIL_SMTP_STARTTLS", "1") == "1"
    # The helpdesk address answers go to (Reply-To); none: answers go to MAIL_SENDER.
    MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO", "")
    # Who delivers the outbox: the request that queued a mail, once it has committed (the
    # embedded default), or `flask worker` (production's default; set 1 to run without one).
    MAIL_DELIVER_AFTER_REQUEST = _env_bool("MAIL_DELIVER_AFTER_REQUEST", True)
    # A mail that fails is tried again after MAIL_RETRY_SECONDS, then twice as long each time
    # (at most MAIL_RETRY_MAX_SECONDS), and given up after MAIL_MAX_ATTEMPTS: about 8.5 hours
    # with the defaults. Administrators see given-up mails and may send them again.
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 10)
    MAIL_RETRY_SECONDS = _env_int("MAIL_RETRY_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _env_int("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    # flask worker: how often it looks for mail without a wake-up through Redis, and when (UTC,
    # HH:MM) it runs the daily jobs (reminders, purge), once a day for the whole cluster.
    WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", 5))
    DAILY_JOBS_AT = os.environ.get("DAILY_JOBS_AT", "03:00")
    # Absolute base for links in e-mails sent from the command line (no request to take it from),
    # and in production for every mail: a request's Host header is the sender's to choose.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    LINKS_FROM_REQUEST = True
    # Host names the portal answers to (Flask's TRUSTED_HOSTS; any other Host gets a 400).
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS") or None
    # How many proxies in front of the portal set X-Forwarded-For/-Proto/-Host; 0 trusts none.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    HSTS_MAX_AGE = 0  # Strict-Transport-Security on HTTPS answers when above 0
    # The 24 official languages of the EU, in the EU's protocol order (by their own names).
    LANGUAGES = [
        "bg", "es", "cs", "da", "de", "et", "el", "en", "ga", "fr", "hr", "it",
        "lv", "lt", "hu", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "fi", "sv",
    ]  # fmt: skip
    # create_app starts loading the gazetteer of places in the background (about 1 s), so that
    # the first place search does not wait for it.
    PRELOAD_GAZETTEER = True
    # create_app ends with gc.freeze(): what start-up made is not walked by every garbage
    # collection in the middle of requests (portal.core.memory).
    FREEZE_LONG_LIVED = _env_bool("FREEZE_LONG_LIVED", True)
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")
    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 2 * 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600
    FORM_TOKEN_MAX_AGE = (
        7 * 24 * 3600
    )  # a form that creates something can be sent once, within a week
    # Empty: the rate limits count where REDIS_URL points, else in each process (create_app).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_HEADERS_ENABLED = True
    # Covenant deadlines (issue: pledges): months after approval for the action plan, its minimum
    # number of published actions, and the longest gap between progress updates.
    ACTION_PLAN_MONTHS = _env_int("ACTION_PLAN_MONTHS", 12)
    ACTION_PLAN_MIN_ACTIONS = _env_int("ACTION_PLAN_MIN_ACTIONS", 3)
    PROGRESS_REPORT_MONTHS = _env_int("PROGRESS_REPORT_MONTHS", 12)
    REMINDER_DAYS_BEFORE = _env_int("REMINDER_DAYS_BEFORE", 30)
    # Optional tile layer drawn over the shipped country outlines on the member map.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
    # Retention periods (flask purge, and the privacy notice that states them).
    PURGE_UNCONFIRMED_ACCOUNT_DAYS = _env_int("PURGE_UNCONFIRMED_ACCOUNT_DAYS", 30)
    PURGE_DRAFT_MONTHS = _env_int("PURGE_DRAFT_MONTHS", 12)
    PURGE_DELIVERED_MAIL_DAYS = _env_int("PURGE_DELIVERED_MAIL_DAYS", 90)
    PURGE_SPENT_LINK_DAYS = _env_int("PURGE_SPENT_LINK_DAYS", 7)
    PURGE_ENDED_SESSION_DAYS = _env_int("PURGE_ENDED_SESSION_DAYS", 30)
    # Who answers for the personal data, as the privacy notice names them. Empty until the
    # operator sets them; the notice then says that they still have to be configured.
    PRIVACY_CONTROLLER_NAME = os.environ.get("PRIVACY_CONTROLLER_NAME", "")
    PRIVACY_CONTROLLER_ADDRESS = os.environ.get("PRIVACY_CONTROLLER_ADDRESS", "")
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")
    PRIVACY_AUTHORITY_NAME = os.environ.get("PRIVACY_AUTHORITY_NAME", "")
    PRIVACY_AUTHORITY_URL = os.environ.get("PRIVACY_AUTHORITY_URL", "")
    # The accessibility statement: where feedback goes (else PRIVACY_CONTACT_EMAIL), and the
    # national enforcement body of the Web Accessibility Directive for the operator's country.
    ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "")
    ACCESSIBILITY_ENFORCEMENT_NAME = os.environ.get("ACCESSIBILITY_ENFORCEMENT_NAME", "")
    ACCESSIBILITY_ENFORCEMENT_URL = os.environ.get("ACCESSIBILITY_ENFORCEMENT_URL", "")
    # The automatic hold: a member late beyond HOLD_GRACE_DAYS is put on hold by the daily job,
    # after a warning mailed HOLD_WARNING_DAYS before; a deadline may be moved once, by at most
    # EXTENSION_MAX_MONTHS.
    HOLD_GRACE_DAYS = _env_int("HOLD_GRACE_DAYS", 60)
    HOLD_WARNING_DAYS = _env_int("HOLD_WARNING_DAYS", 14)
    EXTENSION_MAX_MONTHS = _env_int("EXTENSION_MAX_MONTHS", 6)
    # The covenant's helpdesk: named on the help page, linked from every form, and the contact
    # point of the open-data catalogue (an office's address, never a person's).
    HELPDESK_EMAIL = os.environ.get("HELPDESK_EMAIL", "helpdesk@covenant.example")
    # The licence of the open data (the catalogue and every download say it).
    DATA_LICENCE_URL = os.environ.get(
        "DATA_LICENCE_URL", "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    )
    # Sessions live on the server: in the database, or in Redis when REDIS_URL is set; public
    # answers are then shared there too (portal.core.cache).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Public answers: copies kept per process (0: no cache), how long the statistics, counts
    # and map points may lag behind the data (seconds), and how long Redis keeps an answer.
    PUBLIC_CACHE_ENTRIES = _env_int("PUBLIC_CACHE_ENTRIES", 512)
    AGGREGATE_REFRESH_SECONDS = _env_int("AGGREGATE_REFRESH_SECONDS", 3)
    PUBLIC_CACHE_SECONDS = _env_int("PUBLIC_CACHE_SECONDS", 3600)
    PUBLIC_CACHE_PREFIX = os.environ.get("PUBLIC_CACHE_PREFIX", "portal:public:")
    # A signed-in session ends after this long without a request (idle) and this long after the
    # sign-in (absolute); coordinators and administrators get the *_PRIVILEGED limits.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 60)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    SESSION_IDLE_MINUTES_PRIVILEGED = _env_int("SESSION_IDLE_MINUTES_PRIVILEGED", 15)
    SESSION_ABSOLUTE_HOURS_PRIVILEGED = _env_int("SESSION_ABSOLUTE_HOURS_PRIVILEGED", 8)
    # "Keep me signed in": a city representative stays signed in on that device for this many
    # days (at most 14) without an idle limit.
    REMEMBER_ME_DAYS = min(_env_int("REMEMBER_ME_DAYS", 14), 14)
    # Sensitive actions ask for the password (and code) again when the sign-in is older.
    REAUTH_MINUTES = _env_int("REAUTH_MINUTES", 5)
    # Wrong second-factor codes in a row before code entry closes, and for how long.
    SECOND_FACTOR_MAX_FAILURES = _env_int("SECOND_FACTOR_MAX_FAILURES", 5)
    SECOND_FACTOR_LOCK_MINUTES = _env_int("SECOND_FACTOR_LOCK_MINUTES", 15)
    # The store keeps a session's data this long after its last change; the limits above end it
    # sooner. Saved only when it changes (no write per request).
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    SESSION_REFRESH_EACH_REQUEST = False
    # Flask-Login's own remember cookie is not used ("keep me signed in" keeps the server-side
    # session); one presented anyway is refused by the versioned user id.
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"


class DevelopmentConfig(Config):
    DEBUG = False
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    )
    SECRET_KEY = os.environ.get("SECRET_KEY")  # if unset, create_app keeps one in instance/


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_DELIVER_AFTER_REQUEST = True
    PASSWORD_HASH_FAST = True  # argon2 with minimal cost so the suite stays quick
    PRELOAD_GAZETTEER = False  # a test that searches places loads them; the others need not
    FREEZE_LONG_LIVED = False  # the suite builds apps again and again


class ProductionConfig(Config):
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    MAIL_DELIVER_AFTER_REQUEST = _env_bool("MAIL_DELIVER_AFTER_REQUEST", False)
    LINKS_FROM_REQUEST = False
    HSTS_MAX_AGE = 365 * 24 * 3600

    def __init__(self) -> None:
        required = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise ConfigError("Production needs these environment variables: " + ", ".join(missing))
        if os.environ.get("FLASK_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
            # `flask run` would serve Werkzeug's interactive debugger: code execution for anyone.
            raise ConfigError("Production never runs with FLASK_DEBUG set.")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        self.PUBLIC_BASE_URL = os.environ["PUBLIC_BASE_URL"]
        self.TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS") or [urlsplit(self.PUBLIC_BASE_URL).hostname]
        self.PROXY_COUNT = _env_int("PROXY_COUNT", 0)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
