"""An app server as production runs one (kb.settings.prod, its logging included), on plain HTTP on
loopback: for the tests that start real servers (tests/servers.py sets the environment)."""

from kb.settings.prod import *  # noqa: F403
from kb.settings.prod import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {  # no collectstatic before each test's servers start
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
