"""Configuration read from the environment.

Every setting has a safe default for local development; production refuses to start without a real
SECRET_KEY and database URL.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the old driver; we ship psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Portál PS RP <portal@localhost>")
    # How queued mail leaves the outbox after a commit: "thread" (background thread in this process),
    # "sync" (inline, used by tests), "off" (only `flask mail worker` / `flask mail send` deliver).
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "thread")
    # Messages a sender claims at a time: a sender stopped hard leaves at most this many claimed.
    MAIL_BATCH_SIZE = int(os.environ.get("MAIL_BATCH_SIZE", "10"))
    MAIL_SMTP_TIMEOUT = float(os.environ.get("MAIL_SMTP_TIMEOUT", "10"))
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    # Flask-Mail would silently drop mail under TESTING; the tests deliver to a real SMTP server instead.
    MAIL_SUPPRESS_SEND = False
    MAIL_DEBUG = 0

    # How many reverse proxies in front of the portal set X-Forwarded-For/-Proto; 0 trusts no such header.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not lock everyone out: limits fall back to each worker's memory, and any other
    # storage error lets the request through; both are logged as warnings.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    SIGNIN_LIMIT_PER_ACCOUNT = os.environ.get("SIGNIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    SIGNIN_LIMIT_PER_IP = os.environ.get("SIGNIN_LIMIT_PER_IP", "20 per 15 minutes")
    # Consultations answered without an account: the least time between showing the form and sending it
    # (anti-spam, with a honeypot field), and how many answers one network (IP address) may store per
    # consultation.
    CONSULTATIONS_MIN_FILL_SECONDS = float(os.environ.get("CONSULTATIONS_MIN_FILL_SECONDS", "3"))
    CONSULTATIONS_ANSWER_LIMIT_PER_IP = os.environ.get("CONSULTATIONS_ANSWER_LIMIT_PER_IP", "10 per hour")

    # /healthz: which checks make it answer 503 (comma-separated names); unset = database and Redis.
    HEALTHZ_REQUIRED = (tuple(n.strip() for n in os.environ["HEALTHZ_REQUIRED"].split(",") if n.strip())
                        if os.environ.get("HEALTHZ_REQUIRED") else None)
    # The mail check fails when the oldest unsent message has waited longer than this.
    MAIL_BACKLOG_ALERT_MINUTES = int(os.environ.get("MAIL_BACKLOG_ALERT_MINUTES", "30"))

    BABEL_DEFAULT_LOCALE = "cs"
    BABEL_DEFAULT_TIMEZONE = "Europe/Prague"
    LANGUAGES = ("cs", "en")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_DURATION = timedelta(days=365)
    PERMANENT_SESSION_LIFETIME = 12 * 3600

    # Background jobs (portal.jobs): "rq" (Redis, `flask jobs worker` as its own service), "local" (a worker
    # thread started with the portal, no Redis needed) or "sync" (inline after commit; tests).
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "local")
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "portal")
    JOBS_LOCAL_THREAD = _bool("JOBS_LOCAL_THREAD", True)
    JOBS_TIMEOUT = int(os.environ.get("JOBS_TIMEOUT", "600"))  # seconds a job may run (RQ kills it after)
    JOBS_HEARTBEAT = float(os.environ.get("JOBS_HEARTBEAT", "5"))
    JOBS_STALE_AFTER = float(os.environ.get("JOBS_STALE_AFTER", "60"))  # no heartbeat this long: failed
    JOBS_MEMORY_MB = int(os.environ.get("JOBS_MEMORY_MB", "3072"))  # address space of `flask jobs worker`
    # PDFs larger than this many table rows (portal.exports.background: ~0.9 s) render as background jobs.
    EXPORTS_INLINE_LIMIT = int(os.environ.get("EXPORTS_INLINE_LIMIT", "200"))
    # DOCX and XLSX rows cost far less (measurements in portal/exports/background.py).
    EXPORTS_INLINE_LIMIT_DOCX = int(os.environ.get("EXPORTS_INLINE_LIMIT_DOCX", "800"))
    EXPORTS_INLINE_LIMIT_XLSX = int(os.environ.get("EXPORTS_INLINE_LIMIT_XLSX", "1600"))
    # Activity reports (portal.reports.keeping): how old the "data changed since" check may be, in seconds;
    # how many ms of gathering a page may spend on such checks (the others run as background jobs).
    REPORTS_CHECK_TTL = int(os.environ.get("REPORTS_CHECK_TTL", "60"))
    REPORTS_INLINE_CHECK_MS = int(os.environ.get("REPORTS_INLINE_CHECK_MS", "300"))

    INVITATION_VALID_DAYS = 14
    PASSWORD_RESET_VALID_MINUTES = 60
    # One-time sign-in links (parents without a password) and the links in consultation invitations.
    SIGN_IN_LINK_VALID_MINUTES = 30
    CONSULTATION_INVITE_VALID_DAYS = 14
    SIGN_IN_LINK_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LINK_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    SIGN_IN_LINK_LIMIT_PER_IP = os.environ.get("SIGN_IN_LINK_LIMIT_PER_IP", "30 per 15 minutes")
    # The most addresses one pasted invitation list may hold.
    CONSULTATION_INVITE_MAX = 500
    PAGE_SIZE = 25
    # Parent accounts without activity for this many months are deleted by `flask consultations purge`
    # (their answers stay, anonymous).
    CONSULTATIONS_PARENT_RETENTION_MONTHS = int(os.environ.get("CONSULTATIONS_PARENT_RETENTION_MONTHS", "24"))


class DevelopmentConfig(Config):
    DEBUG = False
    # Without an SMTP server configured, development prints mail to the console instead.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp" if os.environ.get("MAIL_SERVER") else "console")


class TestingConfig(Config):
    TESTING = True
    PASSWORD_HASH_PROFILE = "fast"
    SECRET_KEY = "testing-secret"
    MAIL_DELIVERY = "sync"
    MAIL_SMTP_TIMEOUT = 3.0
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    JOBS_BACKEND = "sync"
    JOBS_LOCAL_THREAD = False


class ProductionConfig(Config):
    # Limits must be shared by every gunicorn worker: Redis unless told otherwise.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "rq")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to start production on development defaults."""
        if cls.SECRET_KEY == "dev-only-not-secret" or not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")


configs = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
