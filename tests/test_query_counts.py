"""Every page asks the database a fixed number of questions, however many terms there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial.scheduling import schedule
from glossary import cache, catalogs, termsets

from . import factories
from .conftest import kept_for_the_module

# One bound per page (the most measured today on either database); each must hold with 5 terms and
# with 300 alike. Counts and pages of lists come from the term sets (built once per version, below),
# and what a page is about from them or the catalogues, so a list page is one query: its terms by id.
BOUNDS = {
    "/": 1,  # "recently updated"
    "/terms/": 1,
    "/terms/?letter=T&category=place/place-0&category=place/place-1&category=kind/kind-0&tag=tag-0": 1,
    # The ids of every match (for the counts and whether there are any), the terms named like it,
    # the ranked ids of each tier the page reaches (glossary.search.Ranked), the cards and their
    # snippets.
    "/search/?q=term": 5,
    "/search/?q=definition&page=2": 7,  # no term named so: the names' tier, then the definitions'
    # Respelled: candidate names (SQLite: ids, then names), then the search; on PostgreSQL the names
    # like the whole query are read in a transaction of their own (in a test's, a savepoint), with
    # pg_trgm's threshold set and reset: four statements more.
    "/search/?q=expandde": 11,
    "/search/?q=expandde+term+3": 9,  # also which words the names hold, and the names holding them
    "/search/?q=zzzzzz": 7,  # nothing like it: similar names looked for twice on PostgreSQL
    "/search/suggest/?q=ter": 4,  # names starting so, by kind of name; then the engine if too few
    "/terms/term-0/": 6,  # the term, its aliases, FAQ, sources, relations, the terms it mentions
    "/categories/place/place-0/": 1,
    "/tags/tag-0/": 1,
    "/benefits/benefit-0/": 1,
    "/risks/risk-0/": 1,
    "/terms/no-such-term/": 3,  # the term, an alias, an old address
}


def build_glossary(n):
    """`n` published terms, each classified, tagged, related, with aliases, FAQ and sources."""
    place, kind = factories.facet(slug="place"), factories.facet(slug="kind")
    places = [factories.category(place, slug=f"place-{i}") for i in range(4)]
    kinds = [factories.category(kind, slug=f"kind-{i}") for i in range(3)]
    benefit, risk = factories.benefit(slug="benefit-0"), factories.risk(slug="risk-0")
    terms = []
    for i in range(n):
        term = factories.term(
            headword=f"Term {i}",
            slug=f"term-{i}",
            expansion=f"Expanded term {i}",
            definition=f"The definition of term number {i}.",
            body=f"Body of term {i}, with **Markdown**.",
            categories=[places[i % 4], kinds[i % 3]],
            tags=[f"tag-{i % 7}", f"tag-{i % 5}"],
            aliases=[f"alias {i}"],
        )
        term.benefits.add(benefit)
        term.risks.add(risk)
        factories.faq(term, question=f"Question {i}?")
        factories.source(term, title=f"Source {i}")
        if terms:
            factories.relation(term, terms[-1], "narrower" if i % 2 else "see_also")
        terms.append(term)
    # The article's own term is related to many others, from both sides.
    for other in terms[2:40]:
        factories.relation(other, terms[0], "contrasts")
    return terms


@pytest.fixture(scope="module", params=[5, 300], ids=lambda n: f"{n}-terms")
def glossary_kept(request, django_db_setup, django_db_blocker):
    yield from kept_for_the_module(django_db_blocker, lambda: build_glossary(request.param))


@pytest.fixture
def glossary(glossary_kept, db):
    return glossary_kept


@pytest.mark.parametrize("url", BOUNDS)
def test_page_query_count_does_not_grow(client, glossary, url, django_assert_max_num_queries):
    # As on a running site: the version is known, its term sets and catalogues built, the page not
    # yet cached.
    termsets.current()
    catalogs.all_categories(), catalogs.benefits_by_id(), catalogs.risks_by_id()
    with django_assert_max_num_queries(BOUNDS[url]):
        response = client.get(url)
    assert response.status_code == (404 if "no-such" in url else 200)
    if "page_obj" in (response.context or {}):
        assert bool(response.context["page_obj"].object_list) == ("zzzzzz" not in url)
    if "expandde" in url:  # respelled as "expanded"
        assert response.context["filter"].search.respelled


def test_term_sets_are_built_in_five_queries(glossary, django_assert_num_queries):
    """Once per content version and process: published terms in index order, then the links to
    categories, tags, benefits and risks."""
    cache.current_version()  # as on a running site
    with django_assert_num_queries(5):
        sets = termsets.TermSets.build()
    assert len(sets.ids) == len(glossary)


@pytest.mark.parametrize("url", [url for url in BOUNDS if "no-such" not in url])
def test_a_cached_page_asks_the_database_nothing(client, glossary, url, django_assert_num_queries):
    first = client.get(url)
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content


def test_staff_preview_query_count_does_not_grow(admin_client, glossary, django_assert_max_num_queries):
    factories.draft(slug="draft", categories=[glossary[0].categories.first()])
    cache.current_version()  # as on a running site
    # The article's 6, the draft's own classification (4: no term set holds it), the session, the user.
    with django_assert_max_num_queries(12):
        assert admin_client.get("/terms/draft/").status_code == 200


def test_admin_term_list_query_count_does_not_grow(admin_client, glossary, django_assert_max_num_queries):
    with django_assert_max_num_queries(11):  # session, user, counts, each filter's choices, one page
        assert admin_client.get("/admin/glossary/term/").status_code == 200


def test_admin_tag_list_query_count_does_not_grow(admin_client, glossary, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # session, user, count, total, one page with its term counts
        assert admin_client.get("/admin/taggit/tag/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/glossary/term/",
        "/admin/glossary/term/{pk}/change/",
        "/admin/autocomplete/?app_label=glossary&model_name=term&field_name=categories",
    ],
)
def test_admin_query_count_does_not_grow_with_categories(admin_client, url):
    """A category is named with its facet: listing many categories must not fetch each facet."""
    term = factories.term(categories=[factories.category()])
    url = url.format(pk=term.pk)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    admin_client.get(url)  # the session's first request writes it
    few = queries()
    term.categories.add(*[factories.category() for _ in range(10)])
    assert queries() == few


def test_looking_for_scheduled_changes_costs_two_queries_every_few_seconds(db, django_assert_num_queries):
    """What editorial.middleware.ScheduledChanges adds to a request: nothing, but once every
    LOOK_EVERY_SECONDS per process (what is due, then the next date), read from an index."""
    schedule.forget()
    with django_assert_num_queries(2):
        schedule.keep()
    with django_assert_num_queries(0):
        schedule.keep()
