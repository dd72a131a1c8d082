"""Production: every secret comes from the environment, and a missing one stops start-up."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def _flag(name, default):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("DJANGO_ALLOWED_HOSTS").split(",")]
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]

# Named explicitly, so that production never writes to a db.sqlite3 beside the code by accident.
_required("DATABASE_URL")
# A sync worker serves one request at a time: it keeps its connection (health-checked before each
# request) rather than opening one per request, which cost a PostgreSQL page several milliseconds
# and every prepared statement (see PREPARE_THRESHOLD).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))  # noqa: F405

SECURE_SSL_REDIRECT = _flag("DJANGO_SECURE_SSL_REDIRECT", "true")
# Trust X-Forwarded-Proto only behind a proxy that sets it, else any client could claim HTTPS.
if _flag("DJANGO_BEHIND_HTTPS_PROXY", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind it every sign-in comes from the proxy's address: throttle by the client's instead.
    AXES_CLIENT_IP_CALLABLE = "editorial.views.forwarded_address"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Errors (a 500's traceback included) and warnings go to standard error, for the process manager's
# log; without this Django logs them only when DEBUG is on.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING").strip().upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"level": LOG_LEVEL}},
}
