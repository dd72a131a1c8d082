"""Prepared reads (glossary.prepared): the rows their QuerySet finds, with each request's moment
and ids, from SQL compiled once per database and number of ids."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.template import engines
from django.utils import timezone
from psycopg.pq import PipelineStatus

from glossary.articles import aliases_of, faqs_of
from glossary.models import FAQ, Alias, Term, TermRelation
from glossary.prepared import PreparedRead, together
from glossary.termsets import Places, card_rows_by_id, cards_of

from . import factories

pytestmark = pytest.mark.django_db


def test_card_rows_by_id_are_the_published_terms_among_the_ids(django_assert_num_queries):
    live, other = factories.term(headword="Live"), factories.term(headword="Other")
    draft, soon = factories.draft(headword="Draft"), factories.scheduled(headword="Soon")
    with django_assert_num_queries(1):
        cards = cards_of(card_rows_by_id(timezone.now(), [soon.pk, other.pk, draft.pk, live.pk, 10**9]))
    assert sorted(card.headword for card in cards) == ["Live", "Other"]
    card = next(card for card in cards if card.pk == live.pk)
    assert (card.slug, card.definition, card.initial) == (live.slug, live.definition, "L")
    assert card.url == live.get_absolute_url()


def test_a_page_of_cards_renders_without_a_query(django_assert_num_queries):
    terms = [factories.term(headword=f"Card {n}", expansion=f"Expansion {n}") for n in range(3)]
    cards = Places.published()[0:3]
    macro = engines["jinja2"].from_string(
        '{% from "glossary/partials/cards.html" import cards %}{{ cards(t) }}'
    )
    with django_assert_num_queries(0):
        html = macro.render({"t": cards})
    for term in terms:
        assert f'<a href="/terms/{term.slug}/">{term.headword}</a>' in html
        assert term.expansion in html and term.definition in html


def test_a_card_keeps_its_fields_apart_whatever_their_text():
    """The term sets hold a card's fields as one text joined by a control character, which the
    fields lose: a definition holding it shifts nothing."""
    term = factories.term(headword="Séparé", expansion="", definition="Split\x1fhere < there")
    (card,) = Places.published()[0:1]
    assert (card.headword, card.expansion, card.definition, card.initial) == (
        "Séparé",
        "",
        "Splithere < there",
        "S",
    )
    assert card.url == term.get_absolute_url()


def test_the_moment_and_the_ids_are_each_requests_own():
    soon = factories.scheduled(headword="Soon")
    later = timezone.now() + timezone.timedelta(days=3)
    assert card_rows_by_id(timezone.now(), [soon.pk]) == []
    assert [card.headword for card in cards_of(card_rows_by_id(later, [soon.pk]))] == ["Soon"]
    other = factories.term(headword="Other")
    assert [card.headword for card in cards_of(card_rows_by_id(later, [other.pk]))] == ["Other"]


@pytest.mark.django_db(transaction=True)
def test_rows_are_converted_on_each_threads_connection():
    """The development server answers in threads, each with its own connection: a read's rows are
    converted on the connection that read them, in turn on each (its converters kept per
    connection)."""
    term = factories.term(headword="Threaded")
    read = PreparedRead(lambda ids: Term.objects.filter(pk__in=ids).values_list("pk", "updated_at"))

    def in_a_thread():
        try:
            return read([term.pk])
        finally:
            connections.close_all()

    here = read([term.pk])
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(in_a_thread).result()
    assert here == there == read([term.pk]) == [(term.pk, term.updated_at)]
    assert timezone.is_aware(here[0][1])


def test_a_statement_is_compiled_once_per_number_of_ids(django_assert_num_queries):
    built = []

    def build(now, ids):
        built.append(len(ids))
        return Term.objects.published(now).filter(pk__in=ids).only("headword", "updated_at")

    read = PreparedRead(build)
    terms = [factories.term(headword=f"T{n}") for n in range(3)]
    assert [term.headword for term in read(timezone.now(), [terms[0].pk])] == ["T0"]
    assert [term.headword for term in read(timezone.now(), [terms[1].pk])] == ["T1"]
    both = read(timezone.now(), [terms[0].pk, terms[2].pk])
    assert sorted(term.headword for term in both) == ["T0", "T2"]
    assert built == [1, 2]
    # Values come back as the ORM gives them: an aware datetime on SQLite too.
    assert {term.updated_at for term in both} == {terms[0].updated_at, terms[2].updated_at}
    with django_assert_num_queries(0):
        assert read(timezone.now(), []) == []


def test_related_rows_come_with_the_read_and_texts_and_ids_are_arguments(django_assert_num_queries):
    hub, near = factories.term(headword="Hub"), factories.term(headword="Near", expansion="Nearby")
    factories.relation(hub, near)
    factories.relation(factories.draft(headword="Hidden"), hub)
    by_slug = PreparedRead(lambda now, slug: Term.objects.published(now).filter(slug=slug))
    around = PreparedRead(lambda now, term_id: TermRelation.objects.around(term_id, now))
    with django_assert_num_queries(2):
        [found] = by_slug(timezone.now(), hub.slug)
        relations = around(timezone.now(), hub.pk)
    with django_assert_num_queries(0):  # the other side of each relation came with it
        assert [(relation.from_term.headword, relation.to_term.expansion) for relation in relations] == [
            ("Hub", "Nearby")
        ]
    assert found == hub and by_slug(timezone.now(), "no-such-slug") == []


def test_rows_of_values_list_and_of_a_union_converted_as_the_orm_converts_them(django_assert_num_queries):
    older, newer = factories.term(headword="Older"), factories.term(headword="Newer")
    factories.draft(headword="Drafted")
    flat = PreparedRead(lambda now: Term.objects.published(now).order_by("pk").values_list("pk", flat=True))
    pairs = PreparedRead(
        lambda slug, name: (
            Term.objects.filter(slug=slug)
            .order_by()
            .values_list("headword", "updated_at")
            .union(
                Alias.objects.filter(name=name).order_by().values_list("name", "term__updated_at"), all=True
            )
            .order_by()
        )
    )
    factories.term(headword="Third", aliases=["3rd"])
    third = Term.objects.get(headword="Third")
    with django_assert_num_queries(2):
        assert flat(timezone.now()) == [older.pk, newer.pk, third.pk]
        found = pairs(older.slug, "3rd")
    assert sorted(found) == [("3rd", third.updated_at), ("Older", older.updated_at)]  # aware datetimes
    assert pairs("no-such-slug", "no such name") == []


def test_a_prepared_read_for_cards_fetches_a_field_it_lacks_once_for_all(django_assert_num_queries):
    terms = [factories.term(headword=f"Peer {n}", body=f"Body {n}") for n in range(3)]
    read = PreparedRead(
        lambda now, ids: Term.objects.published(now).for_cards().filter(pk__in=ids).order_by()
    )
    cards = read(timezone.now(), [term.pk for term in terms])
    with django_assert_num_queries(1):
        assert sorted(card.body for card in cards) == ["Body 0", "Body 1", "Body 2"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda now, ids: Term.objects.published(now).filter(pk__in=ids[:1]), "Each argument"),
        (lambda now, ids: Term.objects.filter(pk__in=ids), "Each argument"),
        (lambda now, ids: Term.objects.published().filter(pk__in=ids, slug__contains="x"), "Each argument"),
        (
            lambda now, ids: Term.objects.published(now).filter(pk__in=ids).prefetch_related("aliases"),
            "prefetch",
        ),
        (lambda now, ids: Term.objects.published(now).filter(pk__in=ids).values("pk"), "values"),
    ],
)
def test_a_read_it_cannot_run_as_written_is_refused(build, message):
    with pytest.raises(ValueError, match=message):
        PreparedRead(build)(timezone.now(), [1, 2])


def test_a_search_text_that_becomes_a_pattern_is_refused():
    read = PreparedRead(lambda text: Alias.objects.filter(name__icontains=text))
    with pytest.raises(ValueError, match="Each argument"):
        read("centre")


def test_arguments_are_moments_ids_texts_or_lists_of_ids():
    with pytest.raises(ValueError, match="a list of ids, not 1.5"):
        PreparedRead(lambda number: Term.objects.filter(pk=number))(1.5)


def test_a_read_whose_markers_its_fields_cannot_hold_is_refused():
    # An FAQ's position is a small positive number: Django finds that the marker can match nothing.
    read = PreparedRead(lambda position: FAQ.objects.filter(position=position))
    with pytest.raises(ValueError, match="values its fields can hold"):
        read(1)


def test_reads_sent_together_give_what_each_gives_alone(django_assert_num_queries):
    """On PostgreSQL they go in one round trip (psycopg's pipeline mode), as an article's do."""
    term = factories.term(headword="Together")
    Alias.objects.create(term=term, name="Jointly")
    factories.faq(term, question="Why at once?")
    with django_assert_num_queries(3), together():
        if connection.vendor == "postgresql":
            assert connection.connection.pgconn.pipeline_status == PipelineStatus.ON
        aliases, faqs = aliases_of.send(term.pk), faqs_of.send(term.pk)
        none = card_rows_by_id.send(timezone.now(), [])  # an empty list of ids: nothing to ask
        cards = card_rows_by_id.send(timezone.now(), [term.pk])
    assert [alias.name for alias in aliases()] == [alias.name for alias in aliases_of(term.pk)] == ["Jointly"]
    assert [faq.question for faq in faqs()] == ["Why at once?"]
    assert none() == []
    assert [card.headword for card in cards_of(cards())] == ["Together"]
