"""Readers are served from a cache that never shows them stale content.

Each kind of write is made, committed, and the next anonymous request for a page that shows it
must show it, though that page was cached a moment before.
"""

import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from django.core.cache import caches as django_caches
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from redis import Redis
from taggit.models import Tag

from glossary import cache
from glossary.models import FAQ, Alias, Source, Term, TermRelation
from glossary.tracking import tracking

from . import factories
from .admin_registry import form_data
from .conftest import run_commit_callbacks
from .servers import free_port, own_redis


@pytest.fixture
def world(db):
    facet = factories.facet(name="Location", slug="location")
    category = factories.category(facet, name="Offshore", slug="offshore")
    benefit = factories.benefit(name="Lower cost", slug="lower-cost")
    risk = factories.risk(name="Lost knowledge", slug="lost-knowledge")
    term = factories.term(
        headword="BPO",
        slug="bpo",
        definition="Hiring another firm.",
        categories=[category],
        tags=["outsourcing"],
    )
    term.benefits.add(benefit)
    term.risks.add(risk)
    factories.faq(term, question="Why outsource?")
    other = factories.term(headword="KPO", slug="kpo")
    # As if these rows had been committed before the test: each test's own write must then bump
    # the version by itself.
    run_commit_callbacks()
    return {
        "facet": facet,
        "category": category,
        "benefit": benefit,
        "risk": risk,
        "term": term,
        "other": other,
    }


def raw_sql(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE glossary_term SET definition = %s WHERE id = %s", ["Now in Lisbon.", world["term"].pk]
        )


def renamed(row, **values):
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


# what is written, how, the page that shows it, and what that page then says (or no longer says)
WRITES = {
    "term saved": (
        lambda w: renamed(w["term"], definition="Now in Lisbon."),
        "/terms/bpo/",
        "Now in Lisbon.",
    ),
    "raw update": (
        lambda w: Term.objects.filter(pk=w["term"].pk).update(definition="Now in Lisbon."),
        "/terms/bpo/",
        "Now in Lisbon.",
    ),
    "raw SQL": (raw_sql, "/terms/bpo/", "Now in Lisbon."),
    "alias": (
        lambda w: Alias.objects.create(term=w["term"], name="Lisbon work"),
        "/terms/bpo/",
        "Lisbon work",
    ),
    "FAQ": (lambda w: factories.faq(w["term"], question="Is it cheaper?"), "/terms/bpo/", "Is it cheaper?"),
    "FAQ deleted": (lambda w: FAQ.objects.all().delete(), "/terms/bpo/", "Why outsource?"),
    "source": (
        lambda w: Source.objects.create(term=w["term"], title="Lisbon report"),
        "/terms/bpo/",
        "Lisbon report",
    ),
    "relation": (
        lambda w: TermRelation.objects.create(from_term=w["term"], to_term=w["other"], kind="narrower"),
        "/terms/bpo/",
        "Narrower terms",
    ),
    "category": (
        lambda w: renamed(w["category"], name="Far shore"),
        "/categories/location/offshore/",
        "Far shore",
    ),
    "tag renamed": (
        lambda w: Tag.objects.filter(slug="outsourcing").update(name="Outsourcing work"),
        "/tags/outsourcing/",
        "Outsourcing work",
    ),
    "tag added": (lambda w: w["other"].tags.add("outsourcing"), "/tags/outsourcing/", "KPO"),
    "benefit": (
        lambda w: renamed(w["benefit"], description="Pay less."),
        "/benefits/lower-cost/",
        "Pay less.",
    ),
    "risk": (
        lambda w: renamed(w["risk"], mitigation="Write it down."),
        "/risks/lost-knowledge/",
        "Write it down.",
    ),
    "facet": (lambda w: renamed(w["facet"], name="Where"), "/", "Where"),
    "new term": (lambda w: factories.term(headword="Nearshoring"), "/terms/", "Nearshoring"),
}
REMOVALS = {"FAQ deleted"}


@pytest.mark.parametrize("kind", WRITES)
def test_each_kind_of_write_reaches_the_next_request(client, world, committed, kind):
    write, url, text = WRITES[kind]
    shown_after = kind not in REMOVALS
    assert (text in client.get(url).content.decode()) is not shown_after
    assert client.get(url).context is None  # served from the cache
    version = cache.current_version()
    with committed():
        write(world)
    assert cache.current_version() != version
    after = client.get(url)
    assert after.status_code == 200
    assert after.context is not None  # rendered afresh
    assert (text in after.content.decode()) is shown_after


def test_a_bulk_action_in_the_admin_reaches_readers(client, admin_client, world, committed):
    assert client.get("/terms/bpo/").status_code == 200
    version = cache.current_version()
    with committed():
        admin_client.post(
            "/admin/glossary/term/", {"action": "unpublish", "_selected_action": [world["term"].pk]}
        )
    assert cache.current_version() != version
    assert client.get("/terms/bpo/").status_code == 404


def test_an_admin_save_with_its_inlines_reaches_readers(client, admin_client, world, committed):
    assert "Lisbon" not in client.get("/terms/bpo/").content.decode()
    page = admin_client.get(f"/admin/glossary/term/{world['term'].pk}/change/")
    data = form_data(page, "term_form")
    data["definition"] = ["Hiring a firm in Lisbon."]
    data["faqs-0-question"], data["faqs-0-answer"] = ["Where?"], ["Lisbon."]
    version = cache.current_version()
    with committed():
        response = admin_client.post(page.request["PATH_INFO"], data)
    assert response.status_code == 302
    assert cache.current_version() == version  # a change to a published term waits for approval
    with committed():
        admin_client.post(page.request["PATH_INFO"].replace("/change/", "/review/"), {"decision": "approve"})
    assert cache.current_version() != version
    html = client.get("/terms/bpo/").content.decode()
    assert "Hiring a firm in Lisbon." in html
    assert "Where?" in html


def test_an_import_reaches_readers(client, world, committed, tmp_path):
    content = {
        "format": "kb-glossary",
        "terms": [
            {"slug": "bpo", "headword": "BPO", "definition": "Imported from Lisbon.", "status": "published"}
        ],
        "term_count": 1,
    }
    path = Path(tmp_path) / "content.yaml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    assert "Imported from Lisbon." not in client.get("/terms/bpo/").content.decode()
    version = cache.current_version()
    with committed():
        call_command("load_demo", file=path, update=True, verbosity=0)
    assert cache.current_version() != version
    assert "Imported from Lisbon." in client.get("/terms/bpo/").content.decode()


def test_a_dry_run_keeps_the_cached_pages(client, world, committed):
    client.get("/terms/bpo/")
    version = cache.current_version()
    with committed():
        call_command("load_demo", dry_run=True, verbosity=0)
    assert cache.current_version() == version
    assert client.get("/terms/bpo/").context is None


def test_a_scheduled_term_appears_when_its_time_comes_without_any_write(client, world, committed):
    with committed():
        factories.term(headword="Nearshoring", published_at=timezone.now() + timezone.timedelta(seconds=1))
    assert "Nearshoring" not in client.get("/terms/").content.decode()
    assert client.get("/terms/").context is None  # cached, yet the cache knows what is due
    time.sleep(1.1)
    assert "Nearshoring" in client.get("/terms/").content.decode()


class TestSignedInUsers:
    def test_staff_are_never_served_from_nor_stored_in_the_cache(self, client, admin_client, world):
        client.get("/terms/bpo/")
        staff = admin_client.get("/terms/bpo/")
        assert staff.context is not None  # rendered for them
        assert "no-store" in staff["Cache-Control"] and "private" in staff["Cache-Control"]
        assert "Cookie" in staff["Vary"]
        assert admin_client.get("/terms/bpo/").context is not None

    def test_a_previewed_draft_never_reaches_readers(self, client, admin_client, db):
        factories.draft(headword="Secret plan", slug="secret-plan")
        assert admin_client.get("/terms/secret-plan/").status_code == 200
        assert client.get("/terms/secret-plan/").status_code == 404


class TestServedAboveTheStack:
    """A cached page is answered by glossary.page_cache.ReaderPageCache, above sessions, CSRF,
    messages and the rest of the middleware."""

    def test_a_cached_page_carries_the_headers_the_whole_stack_gave_it(self, client, world):
        first = client.get("/terms/bpo/")
        again = client.get("/terms/bpo/")
        assert first.context is not None and again.context is None
        assert again.content == first.content
        for header in [
            "Content-Type",
            "Content-Length",
            "ETag",
            "Cache-Control",
            "Vary",
            "X-Frame-Options",
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
        ]:
            assert again[header] == first[header], header

    def test_a_cached_page_asks_nothing_of_the_database(self, client, world, django_assert_num_queries):
        first = client.get("/terms/?category=location/offshore")
        assert "1 term" in first.content.decode()  # BPO, in that category; KPO is not
        with django_assert_num_queries(0):
            response = client.get("/terms/?category=location/offshore")
        assert response.status_code == 200 and response.content == first.content

    def test_a_request_with_a_session_cookie_is_rendered_and_not_stored(self, client, world):
        client.get("/terms/bpo/")
        client.cookies["sessionid"] = "not-a-session"
        response = client.get("/terms/bpo/")
        assert response.context is not None and response["ETag"]
        assert "Hiring another firm." in response.content.decode()
        del client.cookies["sessionid"]
        assert client.get("/terms/bpo/").context is None

    def test_other_methods_still_get_405_at_a_cached_address(self, client, world):
        client.get("/terms/bpo/")
        assert client.post("/terms/bpo/").status_code == 405
        assert client.head("/terms/bpo/").status_code == 200

    def test_a_page_first_asked_for_by_a_revalidation_is_stored_too(self, client, world, committed):
        etag = client.get("/terms/bpo/")["ETag"]
        with committed():  # a new version: nothing stored, but the page is the same
            renamed(world["other"], definition="Hiring within.")
        first = client.get("/terms/bpo/", headers={"if-none-match": etag})
        again = client.get("/terms/bpo/", headers={"if-none-match": etag})
        assert first.status_code == again.status_code == 304
        assert first.context is not None and again.context is None
        whole = client.get("/terms/bpo/")
        assert whole.context is None and whole["ETag"] == etag
        assert whole["Content-Type"] == "text/html; charset=utf-8"
        assert int(whole["Content-Length"]) == len(whole.content) > 0

    def test_a_304_from_the_cache_describes_no_body(self, client, world):
        etag = client.get("/terms/bpo/")["ETag"]
        response = client.get("/terms/bpo/", headers={"if-none-match": etag})
        assert response.status_code == 304 and response.context is None
        assert response["ETag"] == etag and "Cookie" in response["Vary"]
        assert "Content-Length" not in response


class TestConditionalRequests:
    def test_a_page_carries_an_etag_and_a_revalidation_gets_304(self, client, world):
        first = client.get("/terms/bpo/")
        assert first["ETag"].startswith('"')
        assert "public" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
        assert "Cookie" in first["Vary"]
        again = client.get("/terms/bpo/", headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304
        assert again.content == b""

    def test_a_change_gives_a_new_etag(self, client, world, committed):
        etag = client.get("/terms/bpo/")["ETag"]
        with committed():
            renamed(world["term"], definition="Now in Lisbon.")
        response = client.get("/terms/bpo/", headers={"if-none-match": etag})
        assert response.status_code == 200
        assert response["ETag"] != etag

    def test_last_modified_answers_if_modified_since(self, client, world):
        cache.current_version()
        time.sleep(1.05)  # no date is given in the second the content changed
        first = client.get("/")
        assert "Last-Modified" in first
        again = client.get("/", headers={"if-modified-since": first["Last-Modified"]})
        assert again.status_code == 304

    @pytest.mark.parametrize("etag", ['"nonsense"', "*garbage", "W/", "," * 500, '"' * 3])
    def test_a_malformed_or_foreign_etag_gets_the_page(self, client, world, etag):
        client.get("/terms/bpo/")
        assert client.get("/terms/bpo/", headers={"if-none-match": etag}).status_code == 200

    def test_a_malformed_date_gets_the_page(self, client, world):
        response = client.get("/", headers={"if-modified-since": "yesterday at noon"})
        assert response.status_code == 200


@contextmanager
def commands_sent(redis):
    """{command: number of calls} that Redis served while inside, but INFO (the question itself)."""
    before = redis.info("commandstats")
    calls = {}
    yield calls
    for name, stats in redis.info("commandstats").items():
        count = stats["calls"] - before.get(name, {"calls": 0})["calls"]
        if count and name != "cmdstat_info":
            calls[name.removeprefix("cmdstat_")] = count


def redis_caches(url):
    """The production settings' Redis caches (kb/settings/base.py), at `url`."""
    location = {
        "BACKEND": "kb.redis_cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    return {"default": location, "versions": location}


class TestRedisOutages:
    def test_pages_are_served_while_redis_is_stopped_and_caching_resumes_when_it_returns(
        self, client, world, settings, monkeypatch, caplog
    ):
        monkeypatch.setattr(cache, "RETRY_SECONDS", 0.2)
        with own_redis() as redis:
            settings.CACHES = redis_caches(redis.url)
            client.get("/terms/bpo/")
            assert client.get("/terms/bpo/").context is None  # from Redis

            redis.stop()
            for _ in range(5):
                response = client.get("/terms/bpo/")
                assert response.status_code == 200
                assert response.context is not None  # rendered: nothing to serve it from
                assert "Hiring another firm." in response.content.decode()
                time.sleep(0.1)
            failures = [r for r in caplog.records if "unreachable" in r.getMessage()]
            assert len(failures) == 1  # once for the outage, not once a request
            assert not [r for r in caplog.records if "does not track" in r.getMessage()]  # it is away

            redis.start()
            time.sleep(0.25)
            assert client.get("/terms/bpo/").context is not None  # a new version after the outage
            assert client.get("/terms/bpo/").context is None  # cached again
            assert any("back" in r.getMessage() for r in caplog.records)

    def test_a_page_served_again_asks_nothing_of_redis_until_the_version_changes(
        self, client, world, settings
    ):
        """Redis tracks the version for each process (glossary.tracking): while it has told of no
        change, the version and the pages stored for it are known without a round trip."""
        with own_redis() as redis:
            settings.CACHES = redis_caches(redis.url)
            first = client.get("/terms/bpo/")
            stats = Redis.from_url(redis.url)
            with commands_sent(stats) as calls:
                again = client.get("/terms/bpo/")
                revalidated = client.get("/terms/bpo/", headers={"if-none-match": first["ETag"]})
            assert again.context is None and again.content == first.content
            assert revalidated.status_code == 304
            assert calls == {}

            # Another process changes the version: Redis tells this one, whose next request reads
            # the new version and makes the page again, in the version's one look-up (MGET).
            version = django_caches["versions"].get(cache.VERSION_KEY)
            django_caches["versions"].set(cache.VERSION_KEY, replace(version, token="another"), timeout=None)
            with commands_sent(stats) as calls:
                renewed = client.get("/terms/bpo/")
            assert renewed.context is not None
            assert calls == {"mget": 1, "set": 1}

            # A page that another process stored is read once, then kept here too.
            tracking.forget_content()
            with commands_sent(stats) as calls:
                assert client.get("/terms/bpo/").context is None
                assert client.get("/terms/bpo/").context is None
            assert calls == {"mget": 1}
            # One redis-py client per pool, not a new one per call (0.2 ms each, see kb/redis_cache.py).
            backend = django_caches["default"]._cache
            assert backend.get_client() is backend.get_client()

    def test_pages_are_no_longer_known_once_the_tracking_connection_is_lost(self, client, world, settings):
        with own_redis() as redis:
            settings.CACHES = redis_caches(redis.url)
            client.get("/terms/bpo/")
            stats = Redis.from_url(redis.url)
            stats.client_kill_filter(_type="normal", skipme=True)  # every connection but this one
            with commands_sent(stats) as calls:
                assert client.get("/terms/bpo/").context is None  # from Redis, asked again
            # Both connections were closed: each opens again (HELLO), and tracking is asked again.
            assert calls == {"client|tracking": 1, "hello": 2, "mget": 1}

    def test_a_redis_that_refuses_to_track_still_caches_every_page(self, client, world, settings, caplog):
        with own_redis() as redis:
            settings.CACHES = redis_caches(redis.url)
            stats = Redis.from_url(redis.url)
            stats.acl_setuser("default", enabled=True, commands=["-client|tracking"])
            client.get("/terms/bpo/")
            with commands_sent(stats) as calls:
                assert client.get("/terms/bpo/").context is None
                assert client.get("/terms/bpo/").context is None
            assert calls == {"mget": 2}  # the version and the page, read each time
            refusals = [r for r in caplog.records if "does not track" in r.getMessage()]
            assert len(refusals) == 1

    def test_a_redis_on_a_closed_port_still_serves_every_reader_page(self, client, world, settings):
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
        for url in [
            "/",
            "/terms/",
            "/terms/bpo/",
            "/search/?q=bpo",
            "/search/suggest/?q=bp",
            "/tags/outsourcing/",
        ]:
            assert client.get(url).status_code == 200, url


class TestKeys:
    def test_each_host_gets_its_own_page(self, client, world):
        first = client.get("/terms/bpo/", headers={"host": "localhost"}).content.decode()
        second = client.get("/terms/bpo/", headers={"host": "127.0.0.1"}).content.decode()
        assert 'href="http://localhost/terms/bpo/"' in first  # the canonical link names the host
        assert 'href="http://127.0.0.1/terms/bpo/"' in second

    def test_an_address_with_an_unknown_parameter_is_served_but_never_stored(self, client, world):
        for _ in range(2):
            response = client.get("/terms/bpo/", {"ref": "newsletter"})
            assert response.status_code == 200
            assert response.context is not None
            assert response["ETag"]

    def test_a_campaign_s_address_is_stored_as_its_own(self, client, world):
        """A newsletter's link, tagged for its campaign, is made once for all the readers it brings."""
        tagged = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "december"}
        first = client.get("/terms/bpo/", tagged)
        assert first.status_code == 200 and first.context is not None  # made by the view
        again = client.get("/terms/bpo/", tagged)
        assert again.status_code == 200 and again.context is None  # from the cache
        assert again.content == first.content
        assert client.get("/terms/bpo/", {**tagged, "utm_campaign": "january"}).context is not None
        assert client.get("/terms/bpo/", {**tagged, "ref": "x"}).context is not None  # not stored
        assert client.get("/terms/bpo/", {**tagged, "ref": "x"}).context is not None

    @pytest.mark.parametrize("value", ["", "\x00", "<script>alert(1)</script>", "é" * 5000, "a&b=c"])
    def test_a_campaign_tag_of_any_value_is_served_and_stored_as_given(self, client, world, value):
        first = client.get("/terms/bpo/", {"utm_campaign": value, "utm_source": [value, "x"]})
        assert first.status_code == 200 and "<script>alert" not in first.content.decode()
        again = client.get("/terms/bpo/", {"utm_campaign": value, "utm_source": [value, "x"]})
        assert again.status_code == 200 and again.content == first.content

    def test_a_version_is_renewed_after_the_longest_a_page_may_last(self, world, settings):
        settings.GLOSSARY_CACHE_SECONDS = 1
        version = cache.bump_version()
        assert cache.current_version() == version
        time.sleep(1.05)
        assert cache.current_version() != version

    def test_a_new_version_never_dates_before_the_last(self, world):
        first = cache.bump_version()
        assert cache.bump_version().changed_at > first.changed_at


def test_a_drafts_404_varies_by_cookie_as_its_preview_does(client, db):
    factories.draft(headword="Secret plan", slug="secret-plan")
    response = client.get("/terms/secret-plan/")
    assert response.status_code == 404
    assert "Cookie" in response["Vary"]
