"""Published terms as sets of places (glossary.termsets): the same terms, counts and pages as the
equivalent queries, kept for one content version and rebuilt after any write."""

import itertools

import pytest
from django.template import engines

from glossary import cache, termsets
from glossary.models import Category, Term
from glossary.termsets import Places

from . import factories

pytestmark = pytest.mark.django_db


def headwords(places):
    return [term.headword for term in places[0 : places.count()]]


def test_only_published_terms_have_places(terms):
    assert headwords(Places.published()) == ["Live"]


def test_counts_by_category_count_only_the_listed_terms(terms):
    offshore = Category.objects.get(slug="offshore")
    onshore = factories.category(offshore.facet, slug="onshore")
    elsewhere = factories.category(slug="elsewhere")
    empty = factories.category(slug="empty")
    terms["live"].categories.add(onshore, elsewhere)
    factories.term(headword="Other", categories=[onshore])
    published = Places.published()
    everything = [offshore, onshore, elsewhere, empty]
    assert published.count_by_category(everything) == {offshore.pk: 1, onshore.pk: 2, elsewhere.pk: 1}
    assert published.count_by_category([offshore]) == {offshore.pk: 1}
    assert published.starting_with("Z").count_by_category(everything) == {}


def test_counts_by_initial_count_only_the_listed_terms(terms):
    factories.term(headword="Lean")
    factories.term(headword="3PL")
    assert Places.published().count_by_initial() == {"L": 2, "#": 1}
    assert Places.published().tagged("shared").count_by_initial() == {"L": 1}


# Both ways of finding them: term by term (a few terms), and tag by tag (many).
by_term_and_by_tag = pytest.mark.parametrize("few_terms", [termsets.FEW_TERMS, 0])


@by_term_and_by_tag
def test_most_used_tags_come_first_and_only_of_the_listed_terms(terms, few_terms, monkeypatch):
    monkeypatch.setattr(termsets, "FEW_TERMS", few_terms)
    factories.term(headword="Other", tags=["shared", "other"])
    used = [(tag.slug, n) for tag, n in Places.published().most_used_tags(5)]
    assert used == [("shared", 2), ("live-only", 1), ("other", 1)]  # ties by slug
    assert [tag.slug for tag, _ in Places.published().most_used_tags(1)] == ["shared"]
    assert Places.published().starting_with("O").most_used_tags(5)[0][1] == 1


@by_term_and_by_tag
def test_most_used_tags_stop_early_and_still_find_the_most_used_here(db, few_terms, monkeypatch):
    monkeypatch.setattr(termsets, "FEW_TERMS", few_terms)
    for n in range(6):
        factories.term(headword=f"Common {n}", tags=["common"])
    factories.term(headword="Rare one", tags=["rare", "common"])
    factories.term(headword="Rare two", tags=["rare"])
    assert [(tag.slug, n) for tag, n in Places.published().starting_with("R").most_used_tags(1)] == [
        ("rare", 2)
    ]


def test_most_used_tags_are_the_same_counted_by_term_or_by_tag(db, monkeypatch):
    for i in range(30):
        factories.term(headword=f"{'ABC'[i % 3]}{i:02d}", tags=[f"t{i % 5}", f"t{i % 7}", f"u{i % 2}"])
    for letter in ["A", "B", "C"]:
        listed = Places.published().starting_with(letter)
        monkeypatch.setattr(termsets, "FEW_TERMS", 0)
        by_tag = listed.most_used_tags(4)
        monkeypatch.setattr(termsets, "FEW_TERMS", 1000)
        assert listed.most_used_tags(4) == by_tag
        assert [n for _, n in by_tag] == sorted((n for _, n in by_tag), reverse=True)
        assert by_tag[0][1] == 5  # u0 or u1: every other term of the ten


def test_filters_leave_the_terms_their_queries_leave(db):
    """Places filter as TermQuerySet does, for every combination over a small glossary."""
    place, kind = factories.facet(slug="place"), factories.facet(slug="kind")
    categories = [factories.category(place, slug=f"p{i}") for i in range(3)]
    categories += [factories.category(kind, slug=f"k{i}") for i in range(2)]
    for i in range(24):
        make = factories.draft if i % 7 == 0 else factories.term
        make(
            headword=f"{'ABC'[i % 3]}{i:02d}",
            categories=[categories[i % 3], categories[3 + i % 2]],
            tags=[f"t{i % 4}", f"t{i % 3}"],
        )
    published = Term.objects.published()
    for letter, chosen, tags in itertools.product(
        ["", "A", "B", "Z"],
        [[], categories[:1], categories[:2], [categories[0], categories[3]]],
        [[], ["t0"], ["t1", "t2"], ["nope"]],
    ):
        queried, placed = published, Places.published()
        if letter:
            queried, placed = queried.starting_with(letter), placed.starting_with(letter)
        if chosen:
            queried, placed = queried.in_categories(chosen), placed.in_categories(chosen)
        if tags:
            queried, placed = queried.tagged(*tags), placed.tagged(*tags)
        assert headwords(placed) == [term.headword for term in queried], (letter, chosen, tags)


def test_a_published_terms_classification_is_its_rows_and_a_drafts_is_its_own(db):
    from glossary.articles import Classification

    place = factories.facet(slug="place")
    offshore, onshore = factories.category(place, slug="offshore"), factories.category(place, slug="onshore")
    benefit, risk = factories.benefit(), factories.risk()
    for make in (factories.term, factories.draft):
        term = make(categories=[onshore, offshore], tags=["Zebra", "alpha"])
        term.benefits.set([benefit])
        term.risks.set([risk])
        other = factories.term(categories=[onshore], tags=["other"])
        classification = Classification.of(Term.objects.get(pk=term.pk))
        assert {category.pk for category in classification.categories} == {offshore.pk, onshore.pk}
        assert [tag.name for tag in classification.tags] == ["alpha", "Zebra"]
        assert classification.benefits == [benefit] and classification.risks == [risk]
        assert [category.pk for category in Classification.of(other).categories] == [onshore.pk]
        assert (termsets.current().parts_of(term.pk) is None) == (make is factories.draft)
        cache.in_process.clear()


def test_pages_follow_the_index_order(db):
    for headword in ["3PL", "Agile", "alpha", "BPO", "Beta", "Call center", "KPO", "Kaizen", "Zeta"]:
        factories.term(headword=headword)
    factories.draft(headword="Asleep")
    places = Places.published()
    assert places.count() == len(places) == 9
    everything = [term.headword for term in Term.objects.published()]
    assert everything[:3] == ["3PL", "Agile", "alpha"]
    for start in range(10):
        for stop in range(start, 11):
            assert [term.headword for term in places[start:stop]] == everything[start:stop]


def test_a_page_of_cards_comes_from_the_sets_until_a_write_commits(
    terms, committed, django_assert_num_queries
):
    termsets.current()  # built as the first request after a change builds them
    with django_assert_num_queries(0):
        cards = Places.published()[0:1]
    assert [(card.headword, card.slug, card.initial) for card in cards] == [("Live", terms["live"].slug, "L")]
    assert cards[0].definition == terms["live"].definition
    with committed():
        Term.objects.filter(pk=terms["live"].pk).update(status=Term.Status.DRAFT)
    assert Places.published()[0:1] == []


def test_while_the_cache_is_unreachable_cards_are_read_as_published_now(terms):
    """Another process's writes go unseen for a while then: a term it unpublished must not show."""
    cache.pages.down_until = cache.versions.down_until = float("inf")
    places = Places.published()
    Term.objects.filter(pk=terms["live"].pk).update(status=Term.Status.DRAFT)
    assert places[0:1] == []


def test_a_searchs_ids_become_the_places_of_published_terms_only(terms):
    """Drafts, ids of no term and ids of terms added since the sets were built have no place."""
    sets = termsets.current()
    newer = factories.term(headword="Newer")
    ids = [terms["draft"].pk, terms["live"].pk, 10**6, newer.pk]
    assert [sets.ids[place] for place in sets.places_of(ids)] == [terms["live"].pk]
    later = termsets.TermSets.build()  # none of these ids added since: many of them, and one
    for known, published in [(ids, [terms["live"].pk, newer.pk]), ([newer.pk], [newer.pk])]:
        assert sorted(later.ids[place] for place in later.places_of(known)) == published
    assert not later.places_of([])
    published = Places(sets, sets.everything)
    assert published.holds(terms["live"].pk)
    assert not any(published.holds(pk) for pk in ids[::2] + [newer.pk])


def test_the_sets_are_kept_for_a_version_and_rebuilt_after_a_write(
    terms, committed, django_assert_num_queries
):
    first = termsets.current()
    with django_assert_num_queries(0):
        assert termsets.current() is first
    with committed():
        factories.term(headword="Newer")
    assert termsets.current() is not first
    assert headwords(Places.published()) == ["Live", "Newer"]


def test_while_the_cache_is_unreachable_a_process_sees_its_own_writes(terms, committed, settings):
    cache.versions.down_until = float("inf")  # as after a failed look-up: the cache is left alone
    first = termsets.current()
    assert termsets.current() is first  # kept for a while, with nothing to say what changed
    with committed():
        factories.term(headword="Newer")
    assert headwords(Places.published()) == ["Live", "Newer"]


def test_a_remembered_fragment_is_rendered_once_per_version_and_parts(committed):
    fragment = engines["jinja2"].from_string('{% call remembered("test", part) %}{{ value }}{% endcall %}')
    assert fragment.render({"part": 1, "value": "first"}) == "first"
    assert fragment.render({"part": 1, "value": "<second>"}) == "first"
    assert fragment.render({"part": 2, "value": "<second>"}) == "&lt;second&gt;"  # escaped once
    with committed():
        factories.facet(slug="any-write")
    assert fragment.render({"part": 1, "value": "third"}) == "third"
    cache.pages.down_until = cache.versions.down_until = float("inf")  # unreachable: rendered afresh
    assert fragment.render({"part": 1, "value": "fourth"}) == "fourth"


def test_a_fragment_is_kept_in_the_process_and_the_latest_are_kept(monkeypatch):
    monkeypatch.setattr(cache, "NEAR_ENTRIES", 2)
    made = []
    for part in [1, 2, 1, 3, 1, 2]:
        cache.remembered("test", part, compute=lambda part=part: made.append(part) or part)
    assert [cache.remembered("test", part, compute=lambda: "again") for part in (1, 2, 3)] == [1, 2, "again"]
    assert made == [1, 2, 3, 2]  # 2 made again: 3 had pushed it out
