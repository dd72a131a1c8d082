"""Real app servers (gunicorn) on loopback: two sharing one database and one cache see each
other's edits at once, and a database that cannot be reached gets readers the 503 page."""

import os
import re
import sqlite3

import dj_database_url
import psycopg
import pytest
import redis as redis_client
from django.db import DatabaseError, OperationalError, connection, transaction
from psycopg import sql

from glossary.middleware import unreachable

from .admin_registry import form_data
from .servers import Editor, app_server, free_port, get, manage, own_redis, server_env

PASSWORD = "a-long-test-password"  # noqa: S105


@pytest.fixture
def database_url(tmp_path):
    """A database of the kind this run tests, of its own: the servers are other processes, so they
    cannot see the test's rolled-back transaction."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        return
    settings = dj_database_url.parse(url)
    name = f"kb_servers_{os.getpid()}"
    admin = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def prepared(env):
    manage("migrate", "--no-input", env=env)
    manage("load_demo", env=env)
    manage(
        "createsuperuser",
        "--no-input",
        "--username",
        "editor",
        "--email",
        "editor@example.com",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    return env


@pytest.mark.parametrize("shared", ["Redis", "no Redis"])
def test_an_edit_through_one_app_server_is_seen_on_the_next_request_to_the_other(
    database_url, tmp_path, shared
):
    with own_redis() as redis:
        cache = {"REDIS_URL": redis.url} if shared == "Redis" else {}
        env = prepared(server_env(database_url, KB_VERSION_DIR=str(tmp_path / "versions"), **cache))
        with app_server(env) as first, app_server(env) as second:
            status, headers, before = get(second, "/terms/bpo/")
            assert status == 200
            assert "Edited through the first server." not in before
            assert get(second, "/terms/bpo/", {"If-None-Match": headers["ETag"]})[0] == 304
            if shared == "Redis":
                assert redis_client.Redis.from_url(redis.url).keys("*glossary:*:page:*")

            editor = Editor(first)
            editor.sign_in("editor", PASSWORD)
            found = editor.request("GET", "/admin/glossary/term/?q=Business+Process+Outsourcing")
            pk = re.search(rb'href="/admin/glossary/term/(\d+)/change/', found.content).group(1).decode()
            change = f"/admin/glossary/term/{pk}/change/"
            data = form_data(editor.request("GET", change), "term_form")
            data["definition"] = ["Edited through the first server."]
            saved = editor.request("POST", change, data)
            assert saved.status == 302, saved.content[:2000]
            review = change.replace("/change/", "/review/")
            decision = form_data(editor.request("GET", review), "review-form") | {"decision": ["approve"]}
            assert editor.request("POST", review, decision).status == 302

            status, _, after = get(second, "/terms/bpo/")
            assert status == 200
            assert "Edited through the first server." in after


@pytest.mark.parametrize("kind", ["SQLite file missing", "PostgreSQL refusing connections"])
def test_readers_get_the_503_page_while_the_database_is_unreachable(tmp_path, kind):
    database = tmp_path / "later" / "kb.sqlite3"
    url = (
        f"sqlite:///{database}"
        if kind.startswith("SQLite")
        else f"postgres://postgres@127.0.0.1:{free_port()}/kb"
    )
    log = tmp_path / "server.log"
    with app_server(server_env(url, KB_VERSION_DIR=str(tmp_path / "versions")), log=log) as port:
        for path in ["/", "/terms/", "/terms/bpo/", "/search/?q=outsourcing"]:
            status, headers, html = get(port, path)
            assert status == 503, path
            assert "The knowledge base is briefly unavailable" in html
            assert 'class="site-header"' in html  # in the site's design
            assert headers["Retry-After"] == "30"
        logged = log.read_text()
        assert logged.count("The database is unreachable") == 1  # once, not once a request
        assert "Service Unavailable" not in logged
        if kind.startswith("SQLite"):
            # The database comes back (its file appears): the same server answers, unrestarted.
            database.parent.mkdir()
            prepared(server_env(f"sqlite:///{database}"))
            assert get(port, "/terms/bpo/")[0] == 200


def driver_error(exception_class, cause):
    """A Django database error as Django raises it: the driver's own error as its cause."""
    error = exception_class(str(cause))
    error.__cause__ = cause
    return error


def test_only_a_lost_connection_counts_as_an_outage(db):
    try:
        psycopg.connect(host="127.0.0.1", port=free_port(), dbname="kb", connect_timeout=2)
    except psycopg.OperationalError as refused:
        assert unreachable(driver_error(OperationalError, refused))
    try:
        sqlite3.connect("file:/no/such/dir/kb.sqlite3?mode=rw", uri=True)
    except sqlite3.OperationalError as missing:
        assert unreachable(driver_error(OperationalError, missing))
    with pytest.raises(DatabaseError) as bad_sql, transaction.atomic():
        connection.cursor().execute("SELECT * FROM no_such_table")
    assert not unreachable(bad_sql.value)
    assert not unreachable(OperationalError("raised by hand, with no driver error behind it"))
    if connection.vendor == "postgresql":
        with pytest.raises(OperationalError) as timeout, transaction.atomic():
            connection.cursor().execute("SET LOCAL statement_timeout = 1; SELECT pg_sleep(1)")
        assert not unreachable(timeout.value)  # a slow query is a bug to see, not an outage
