"""Production settings: a missing setting stops start-up, the deploy check is clean, errors are logged."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kb.settings.prod",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "kb.example.com",
    "DATABASE_URL": "sqlite:////var/lib/kb/db.sqlite3",
}
POSTGRES = "postgres://kb@db.example.com/kb"  # never connected to: the settings are only read
SHOW = "import django; django.setup(); from django.conf import settings; print(settings.%s)"
SERVER_ERROR = """
import django
django.setup()
from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.test import RequestFactory, override_settings
# The static files manifest comes from collectstatic, which a test does not run.
plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": plain}}):
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        print(response_for_exception(RequestFactory().get("/terms/x/"), error).status_code)
"""


def run(*args, without=None, **env):
    environ = {**os.environ, **PRODUCTION, **env}
    environ.pop(without, None)
    command = [sys.executable, *args]  # this interpreter, with the test's own arguments
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)  # noqa: S603


def test_deploy_check_is_clean():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_a_missing_setting_stops_start_up(name):
    result = run("manage.py", "check", without=name)
    assert result.returncode != 0
    assert f"Set the {name} environment variable." in result.stderr


@pytest.mark.parametrize(("env", "kept"), [({}, "60"), ({"CONN_MAX_AGE": "0"}, "0")])
def test_production_keeps_database_connections(env, kept):
    result = run("-c", SHOW % 'DATABASES["default"]["CONN_MAX_AGE"]', **env)
    assert result.stdout.strip() == kept, result.stderr


@pytest.mark.parametrize(("value", "threshold"), [("5", "5"), ("1", "1"), ("off", "None")])
def test_postgresql_prepares_statements_unless_told_not_to(value, threshold):
    result = run(
        "-c", SHOW % 'DATABASES["default"]["OPTIONS"]', DATABASE_URL=POSTGRES, PREPARE_THRESHOLD=value
    )
    options = f"{{'server_side_binding': True, 'prepare_threshold': {threshold}}}"
    assert result.stdout.strip() == options, result.stderr


def test_the_database_urls_own_options_are_kept():
    url = f"{POSTGRES}?sslmode=verify-full&sslrootcert=/etc/kb/ca.pem"
    result = run("-c", SHOW % 'DATABASES["default"]["OPTIONS"]', DATABASE_URL=url)
    options = result.stdout.strip()
    assert "'sslmode': 'verify-full'" in options and "'sslrootcert': '/etc/kb/ca.pem'" in options, (
        result.stderr
    )
    assert "'server_side_binding': True" in options and "'prepare_threshold': 5" in options


@pytest.mark.parametrize("value", ["five", "-1", "", "٥"])
def test_a_prepare_threshold_that_is_not_a_number_stops_start_up(value):
    result = run("manage.py", "check", DATABASE_URL=POSTGRES, PREPARE_THRESHOLD=value)
    assert result.returncode != 0
    assert "Set PREPARE_THRESHOLD to a number of runs, or to off." in result.stderr


@pytest.mark.parametrize(
    ("value", "redirects"), [("true", True), ("1", True), ("Yes", True), ("on", True), ("false", False)]
)
def test_https_redirect_flag_reads_common_spellings(value, redirects):
    result = run("-c", SHOW % "SECURE_SSL_REDIRECT", DJANGO_SECURE_SSL_REDIRECT=value)
    assert result.stdout.strip() == str(redirects), result.stderr


def test_forwarded_proto_is_trusted_only_behind_a_proxy():
    assert run("-c", SHOW % "SECURE_PROXY_SSL_HEADER").stdout.strip() == "None"
    behind = run("-c", SHOW % "SECURE_PROXY_SSL_HEADER", DJANGO_BEHIND_HTTPS_PROXY="true")
    assert behind.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_sign_in_throttling_reads_the_forwarded_address_only_behind_a_proxy():
    assert run("-c", SHOW % "AXES_CLIENT_IP_CALLABLE").stdout.strip() == "None"
    behind = run("-c", SHOW % "AXES_CLIENT_IP_CALLABLE", DJANGO_BEHIND_HTTPS_PROXY="true")
    assert behind.stdout.strip() == "editorial.views.forwarded_address"


def test_a_500_is_logged_with_its_traceback():
    """Through the handler Django runs for an uncaught exception in a view."""
    result = run("-c", SERVER_ERROR)
    assert result.stdout.strip() == "500", result.stderr
    assert "Internal Server Error: /terms/x/" in result.stderr
    assert "RuntimeError: boom" in result.stderr
