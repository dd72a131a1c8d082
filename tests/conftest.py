import math
from contextlib import contextmanager
from itertools import groupby

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction

from editorial import scheduling
from editorial.scheduling import schedule
from glossary import cache
from glossary.tracking import tracking

from . import factories


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    """Each test starts with empty caches, as if the content had just changed: the database is
    rolled back between tests, which no write-watcher sees."""
    for alias in ("default", "versions"):
        caches[alias].clear()
    cache.pages.down_until = cache.versions.down_until = 0.0
    cache.in_process.clear()
    cache.near.clear()
    tracking.stop()
    tracking.retry_at, tracking.warned = 0.0, False
    # Each process looks for scheduled changes every few seconds: here, as if it just had and
    # found none, and never again by itself (a slow fixture would otherwise add the look to a
    # page's queries). Approving a change for later makes it look, as on a running site; the look
    # is measured on its own in test_query_counts.
    schedule.looked()
    monkeypatch.setattr(scheduling, "LOOK_EVERY_SECONDS", math.inf)


def run_commit_callbacks():
    """Runs the on-commit callbacks waiting so far, as a commit would."""
    callbacks, connection.run_on_commit = connection.run_on_commit, []
    for _, callback, _ in callbacks:
        callback()


@contextmanager
def committed_block():
    yield
    run_commit_callbacks()


def kept_for_the_module(django_db_blocker, build):
    """For a module-scoped fixture named `..._kept`: the rows `build()` writes stay for each test
    of the module (whose own transaction is a savepoint inside this one, rolled back after each
    test as usual) and are rolled back after its last test. Data that takes seconds to write is
    written once per module, not once per test; it counts as committed (its on-commit callbacks
    have run). The module's tests that do not ask for it run first, so never see it."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            built = build()
            run_commit_callbacks()
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """In each run of tests of one module, those that use data kept for the module run after those
    that do not (see kept_for_the_module); the order is otherwise the one pytest-django chose
    (transactional tests after the others, as they empty the database), which no move crosses."""

    def run(item):
        marker = item.get_closest_marker("django_db")
        asked = marker is not None and (
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        )
        transactional = bool(asked) or not {"transactional_db", "live_server"}.isdisjoint(item.fixturenames)
        return item.nodeid.split("::")[0], transactional

    def uses_kept_data(item):
        return any(name.endswith("_kept") for name in item.fixturenames)

    items[:] = [item for _, same in groupby(items, key=run) for item in sorted(same, key=uses_kept_data)]


@pytest.fixture(scope="module")
def seed_kept(django_db_setup, django_db_blocker):
    yield from kept_for_the_module(django_db_blocker, lambda: call_command("load_demo", verbosity=0))


@pytest.fixture
def seed(seed_kept, db):
    """The shipped seed content (`manage.py load_demo`), loaded once for the module."""


@pytest.fixture
def committed(db):
    """`with committed(): ...` then runs every on-commit callback waiting so far, as the commit of
    a real request would: a test's own transaction never commits, so the content version would
    otherwise never move."""
    return committed_block


@pytest.fixture
def terms(db):
    """A published term, a draft, and one published for a date still to come, alike otherwise."""
    place = factories.facet(slug="place")
    offshore = factories.category(place, slug="offshore")
    return {
        "live": factories.term(headword="Live", categories=[offshore], tags=["shared", "live-only"]),
        "draft": factories.draft(headword="Draft", categories=[offshore], tags=["shared", "draft-only"]),
        "soon": factories.scheduled(headword="Later", categories=[offshore], tags=["shared", "soon-only"]),
    }


@pytest.fixture
def bpo_world(db):
    """A small, realistic corner of the glossary: BPO with a narrower KPO and a contrasting call center."""
    location = factories.facet(name="Location", slug="location")
    office = factories.facet(name="Office function", slug="office-function")
    offshore = factories.category(location, name="Offshore", slug="offshore")
    onshore = factories.category(location, name="Onshore", slug="onshore")
    front = factories.category(office, name="Front office", slug="front-office")
    back = factories.category(office, name="Back office", slug="back-office")
    bpo = factories.term(
        headword="BPO",
        expansion="Business Process Outsourcing",
        slug="bpo",
        definition="Hiring another company to run a business process.",
        body="## Types\n\nBack office and front office.",
        categories=[offshore, back, front],
        tags=["outsourcing"],
        aliases=["business process outsourcing"],
    )
    kpo = factories.term(
        headword="KPO",
        expansion="Knowledge Process Outsourcing",
        slug="kpo",
        categories=[offshore, back],
        tags=["outsourcing", "knowledge"],
    )
    call_center = factories.term(
        headword="Call center",
        slug="call-center",
        categories=[onshore, front],
        tags=["customer-service"],
        aliases=["call centre"],
    )
    factories.relation(bpo, kpo, "narrower")
    factories.relation(call_center, bpo, "contrasts")
    return {
        "bpo": bpo,
        "kpo": kpo,
        "call_center": call_center,
        "offshore": offshore,
        "onshore": onshore,
        "front": front,
        "back": back,
    }
