"""Settings shared by every environment; dev, test and prod import this module."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "editorial.apps.EditorsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "taggit",
    "axes",
    "glossary",
    "editorial",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "glossary.middleware.DatabaseUnavailableMiddleware",
    "editorial.middleware.ScheduledChanges",  # before the cache: a cached page may be due to change
    "glossary.page_cache.ReaderPageCache",  # anonymous readers' pages, before the session is read
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "editorial.middleware.ProposedChangePreview",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out sign-in
]

# Sign-in throttling (django-axes): five failures for one account from one address lock that
# pair out for 15 minutes; the lock ends by itself. An attacker cannot lock a user out from
# elsewhere, and a success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "editorial.views.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "kb.urls"
WSGI_APPLICATION = "kb.wsgi.application"

TEMPLATES = [
    # The reader pages, in Jinja2 (kb/jinja2.py): found first, so "base.html" is theirs.
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "kb.jinja2.environment"},
    },
    # The admin and the editors' pages.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite needs no configuration; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,  # a kept connection that broke (a database restart) is replaced
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run PREPARE_THRESHOLD times on a connection
    # prepared there, so that PostgreSQL plans it once (an article's reads: 1.6 ms instead of
    # 4.1). "off" for a pooler that cannot keep prepared statements (PgBouncer before 1.21).
    _threshold = os.environ.get("PREPARE_THRESHOLD", "5")
    if not (_threshold == "off" or _threshold.isascii() and _threshold.isdecimal()):
        raise ImproperlyConfigured("Set PREPARE_THRESHOLD to a number of runs, or to off.")
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # beside those of the URL (sslmode=…)
        server_side_binding=True,
        prepare_threshold=None if _threshold == "off" else int(_threshold),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Reader pages are cached under a content version (glossary/cache.py). With REDIS_URL, one Redis
# holds both for every app server. Without it, each process keeps pages in its own memory and the
# version in a file that all processes on the machine share, so a write seen by one worker retires
# every worker's pages. Short socket timeouts: a Redis that stops answering costs milliseconds.
if os.environ.get("REDIS_URL"):
    _redis = {
        "BACKEND": "kb.redis_cache.RedisCache",  # Django's, reusing its clients
        "LOCATION": os.environ["REDIS_URL"],
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    CACHES = {"default": _redis, "versions": _redis}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
        "versions": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("KB_VERSION_DIR", str(BASE_DIR / ".cache" / "versions")),
        },
    }
GLOSSARY_CACHE_SECONDS = 10 * 60  # the longest a cached page or content version lasts

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

TAGGIT_CASE_INSENSITIVE = True

GLOSSARY_TERMS_PER_PAGE = 50
# Search results carry a snippet each; 20 a page, as MediaWiki's search shows by default.
GLOSSARY_SEARCH_RESULTS_PER_PAGE = 20
# Four eyes: a publisher may approve a change they wrote only if this is on (a one-person site).
GLOSSARY_SELF_APPROVAL = os.environ.get("GLOSSARY_SELF_APPROVAL", "").strip().lower() in {
    "1",
    "true",
    "yes",
    "on",
}
# A term not reviewed for this long is listed as due for review (Terms → Review due, the report).
GLOSSARY_REVIEW_INTERVAL = timedelta(days=365)
# The largest glossary file the admin imports, and the most terms it adds or changes in one go
# (each is checked and written within the request, some 15 ms a term); the command takes any.
GLOSSARY_IMPORT_MAX_BYTES = 5 * 2**20
GLOSSARY_IMPORT_MAX_TERMS = 500
