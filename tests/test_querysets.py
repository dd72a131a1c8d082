"""Each read the views ask for, with what it includes and what it leaves out (drafts, future dates)."""

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import engines

from glossary.filters import TermFilter
from glossary.models import Alias, Category, Term
from glossary.termsets import Places

from . import factories

pytestmark = pytest.mark.django_db


def headwords(queryset):
    return sorted(term.headword for term in queryset)


def test_published_leaves_out_drafts_and_future_dates(terms):
    assert headwords(Term.objects.published()) == ["Live"]
    assert [term.is_published() for term in terms.values()] == [True, False, False]


def test_the_index_filters_narrow_published_terms(terms):
    """Declared filters, as django-filter applies them to the FilterSet's default QuerySet."""
    factories.term(headword="Lateral")
    assert headwords(TermFilter(QueryDict("letter=L")).qs) == ["Lateral", "Live"]


def test_each_request_s_filters_are_its_own(terms):
    """A FilterSet copies its declared filters (glossary.filters.CopiedAsMade): each copy's method
    is its own FilterSet's and its choices are its own, however many FilterSets are alive."""
    factories.term(headword="Lateral", tags=["later-tag"])
    by_letter, by_tag = TermFilter(QueryDict("letter=L")), TermFilter(QueryDict("tag=later-tag"))
    plain = TermFilter(QueryDict(""))
    assert headwords(by_letter.qs) == ["Lateral", "Live"]
    assert headwords(by_tag.qs) == ["Lateral"]
    assert len(plain.qs) == 2
    assert by_letter.filters["letter"].parent is by_letter and by_tag.filters["letter"].parent is by_tag
    assert [value for value, _ in by_tag.form.fields["tag"].choices] == ["later-tag"]
    assert list(plain.form.fields["tag"].choices) == []
    assert TermFilter.base_filters["tag"].extra["choices"] == []


def test_starting_with_a_letter(terms):
    factories.term(headword="Lateral")
    assert headwords(Term.objects.published().starting_with("L")) == ["Lateral", "Live"]
    assert headwords(Term.objects.starting_with("L")) == ["Later", "Lateral", "Live"]
    assert not Term.objects.starting_with("Z").exists()


def test_in_categories_is_or_within_a_facet_and_and_across(terms):
    place, kind = Category.objects.get(slug="offshore").facet, factories.facet(slug="kind")
    onshore, service = factories.category(place, slug="onshore"), factories.category(kind, slug="service")
    both = factories.term(headword="Both", categories=[onshore, service])
    factories.term(headword="Onshore only", categories=[onshore])
    offshore = Category.objects.get(slug="offshore")
    assert headwords(Term.objects.published().in_categories([offshore, onshore])) == [
        "Both",
        "Live",
        "Onshore only",
    ]
    assert list(Term.objects.in_categories([onshore, service])) == [both]
    assert headwords(Term.objects.in_categories([offshore])) == ["Draft", "Later", "Live"]


def test_tagged_needs_every_tag(terms):
    assert headwords(Term.objects.published().tagged("shared")) == ["Live"]
    assert headwords(Term.objects.tagged("shared", "live-only")) == ["Live"]
    assert not Term.objects.tagged("live-only", "draft-only").exists()
    assert not Term.objects.tagged("no-such-tag").exists()


def test_aliases_of_published_terms(terms):
    for key, term in terms.items():
        Alias.objects.create(term=term, name=f"{key} alias")
    assert [alias.name for alias in Alias.objects.of_published_terms()] == ["live alias"]


def test_recently_updated_comes_newest_first(terms):
    Term.objects.filter(pk=terms["live"].pk).update(updated_at=terms["live"].updated_at.replace(year=2001))
    assert headwords(Term.objects.recently_updated()[:1]) == ["Later"]
    assert Term.objects.recently_updated().last().headword == "Live"


def test_scheduled_is_published_with_a_date_to_come(terms):
    assert headwords(Term.objects.scheduled()) == ["Later"]
    scheduled = [terms[key].is_scheduled() for key in ("live", "draft", "soon")]
    assert scheduled == [False, False, True]


def test_a_page_of_term_cards_reads_nothing(terms, rf, django_assert_num_queries):
    page = Paginator(Places.published(), 10).page(1)
    template = '{% from "glossary/partials/term_cards.html" import term_cards %}'
    template += "{{ term_cards(page_obj, request) }}"
    with django_assert_num_queries(0):
        html = engines["jinja2"].from_string(template).render({"page_obj": page}, rf.get("/"))
    assert f'href="/terms/{terms["live"].slug}/"' in html and "1 term<" in html


def test_cards_and_articles_load_what_they_show(terms, django_assert_num_queries):
    with django_assert_num_queries(1):
        cards = [(card.headword, card.initial, card.get_absolute_url()) for card in Term.objects.for_cards()]
    assert ("Live", "L", f"/terms/{terms['live'].slug}/") in cards
    article = Term.objects.for_article().get(pk=terms["live"].pk)
    with django_assert_num_queries(0):
        assert not article.is_deprecated()
