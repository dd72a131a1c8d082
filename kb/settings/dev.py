"""Local development: debug on, a fixed throwaway key, localhost only."""

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = True
SECRET_KEY = "dev-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
