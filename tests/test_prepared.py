"""Prepared reads (glossary.prepared): the rows their QuerySet finds, with each request's moment
and ids, from SQL compiled once per database and number of ids."""

import pytest
from django.utils import timezone

from glossary.models import Term
from glossary.prepared import PreparedRead
from glossary.termsets import cards_by_id

from . import factories

pytestmark = pytest.mark.django_db


def test_cards_by_id_are_the_published_terms_among_the_ids(django_assert_num_queries):
    live, other = factories.term(headword="Live"), factories.term(headword="Other")
    draft, soon = factories.draft(headword="Draft"), factories.scheduled(headword="Soon")
    with django_assert_num_queries(1):
        cards = cards_by_id(timezone.now(), [soon.pk, other.pk, draft.pk, live.pk, 10**9])
    assert sorted(card.headword for card in cards) == ["Live", "Other"]
    card = next(card for card in cards if card.pk == live.pk)
    with django_assert_num_queries(0):  # what a card shows is loaded
        shown = (card.headword, card.expansion, card.definition, card.initial, card.get_absolute_url())
    assert shown == ("Live", live.expansion, live.definition, "L", f"/terms/{live.slug}/")


def test_the_moment_and_the_ids_are_the_requests_not_the_first_ones():
    soon = factories.scheduled(headword="Soon")
    later = timezone.now() + timezone.timedelta(days=3)
    assert cards_by_id(timezone.now(), [soon.pk]) == []
    assert [card.headword for card in cards_by_id(later, [soon.pk])] == ["Soon"]
    other = factories.term(headword="Other")
    assert [card.headword for card in cards_by_id(later, [other.pk])] == ["Other"]


def test_a_statement_is_compiled_once_per_number_of_ids(django_assert_num_queries):
    read = PreparedRead(lambda now, ids: Term.objects.published(now).filter(pk__in=ids).only("headword"))
    terms = [factories.term(headword=f"T{n}") for n in range(3)]
    read(timezone.now(), [terms[0].pk])
    read(timezone.now(), [terms[1].pk])
    read(timezone.now(), [terms[0].pk, terms[2].pk])
    assert [count for _, count in read.statements] == [1, 2]
    with django_assert_num_queries(0):
        assert read(timezone.now(), []) == []


def test_a_read_that_does_not_use_each_id_once_is_refused():
    read = PreparedRead(lambda now, ids: Term.objects.published(now).filter(pk__in=ids[:1]))
    with pytest.raises(ValueError, match="Each id"):
        read(timezone.now(), [1, 2])
