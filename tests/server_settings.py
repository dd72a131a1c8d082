"""An app server as production runs one, but on plain HTTP on loopback: for the tests that start
real servers (tests/servers.py). Caches and database come from the environment, as in production."""

from kb.settings.base import *  # noqa: F403
from kb.settings.base import STORAGES

SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
