"""Fast, isolated settings for pytest; DATABASE_URL still selects PostgreSQL."""

from .base import *  # noqa: F403
from .base import STORAGES, TEMPLATES

SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    "versions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "versions"},
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TEMPLATES = [{**TEMPLATES[0], "BACKEND": "tests.template_backend.Jinja2"}, *TEMPLATES[1:]]
