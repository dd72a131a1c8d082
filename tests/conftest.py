import math
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.db import connection

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
