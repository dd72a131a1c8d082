"""The content model's rules: names that may not clash, publication, relations, sanitised Markdown."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from glossary.models import Alias, Category, Source, Term, TermRelation, initial_of

from . import factories

pytestmark = pytest.mark.django_db


def test_saving_fills_initial_body_html_and_publication_date():
    term = factories.term(headword="nearshore outsourcing", body="**Close** by.")
    assert term.initial == "N"
    assert term.body_html == "<p><strong>Close</strong> by.</p>\n"
    assert term.body_text == "Close by."
    assert term.published_at is not None
    assert term.is_published()


@pytest.mark.parametrize(
    ("headword", "initial"),
    [
        ("BPO", "B"),
        ("24/7 support", "#"),
        ("évaluation", "E"),
        ("Ōsaka model", "O"),
        ("Ørsted", "#"),
        ("日本", "#"),
    ],
)
def test_a_headword_is_filed_under_its_letter_without_accents(headword, initial):
    assert initial_of(headword) == initial


def test_drafts_and_scheduled_terms_are_not_published():
    draft = factories.draft()
    scheduled = factories.scheduled()
    live = factories.term()
    assert list(Term.objects.published()) == [live]
    assert not draft.is_published()
    assert not scheduled.is_published()


def test_published_term_needs_a_date_in_the_database():
    term = factories.term()
    with pytest.raises(IntegrityError):
        Term.objects.filter(pk=term.pk).update(published_at=None)


def test_str_shows_expansion():
    assert str(factories.term(headword="BPO", expansion="Business Process Outsourcing")) == (
        "BPO (Business Process Outsourcing)"
    )
    assert str(factories.term(headword="Payroll")) == "Payroll"


def test_markdown_body_is_sanitised():
    term = factories.term(
        body='<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.com "t")\n\n'
        "<img src=x onerror=alert(1)>"
    )
    html = term.body_html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert '<a href="https://example.com" title="t" rel="noopener noreferrer">ok</a>' in html


def test_markdown_keeps_what_editors_write():
    html = factories.term(
        body="# Top\n\n##### Small\n\n~~old~~ ![A chart](https://example.com/c.png) <b>raw</b>\n\n"
        "| Name | Cost |\n|:--|--:|\n| BPO | 10 |\n"
    ).body_html
    assert "<h2>Top</h2>" in html and "<h5>Small</h5>" in html  # the page's title is its only h1
    assert "<s>old</s>" in html
    assert '<a href="https://example.com/c.png" rel="noopener noreferrer">A chart</a>' in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html  # shown as text, as the help text says
    assert '<th class="align-right">Cost</th>' in html and '<td class="align-left">BPO</td>' in html
    assert "style=" not in html


def test_a_linked_image_keeps_its_link():
    html = factories.term(body="[![Logo](https://example.com/logo.png)](https://example.com/)").body_html
    assert html == '<p><a href="https://example.com/" rel="noopener noreferrer">Logo</a></p>\n'


def test_faq_answer_is_rendered_and_sanitised():
    faq = factories.faq(factories.term(), answer="*Yes* <b onclick=x>really</b>")
    assert "<em>Yes</em>" in faq.answer_html
    assert "&lt;b onclick=x&gt;" in faq.answer_html  # raw HTML is shown as text, never run


def test_category_slug_is_unique_within_its_facet_only():
    location, office = factories.facet(), factories.facet()
    factories.category(location, slug="general")
    factories.category(office, slug="general")
    with pytest.raises(IntegrityError):
        Category.objects.create(facet=location, name="Again", slug="general")


def test_term_slug_is_unique():
    factories.term(slug="bpo")
    with pytest.raises(IntegrityError):
        factories.term(slug="bpo")


class TestAliasRules:
    def test_alias_slug_follows_name(self):
        alias = Alias.objects.create(term=factories.term(), name="Call Centre")
        assert alias.slug == "call-centre"

    @pytest.mark.parametrize("name", ["BPO", "bpo", "Business process outsourcing", "bpo-slug"])
    def test_alias_may_not_repeat_another_terms_name_or_slug(self, name):
        factories.term(headword="BPO", expansion="Business Process Outsourcing", slug="bpo-slug")
        alias = Alias(term=factories.term(), name=name)
        with pytest.raises(ValidationError) as error:
            alias.full_clean()
        assert "already the name or address" in str(error.value)

    def test_alias_may_not_repeat_another_alias(self):
        factories.term(aliases=["call centre"])
        with pytest.raises(ValidationError, match="already an alias"):
            Alias(term=factories.term(), name="Call Centre").full_clean()

    def test_alias_in_any_script_has_an_address(self):
        term = factories.term()
        for name in ["Café outsourcing", "日本語", "Аутсорсинг"]:
            alias = Alias(term=term, name=name)
            alias.full_clean()
            alias.save()
        assert sorted(term.aliases.values_list("slug", flat=True)) == [
            "cafe-outsourcing",
            "аутсорсинг",
            "日本語",
        ]

    def test_alias_needs_a_letter_or_digit(self):
        with pytest.raises(ValidationError, match="at least one letter"):
            Alias(term=factories.term(), name="!!!").full_clean()

    def test_term_may_not_take_a_name_that_is_another_terms_alias(self):
        factories.term(aliases=["call centre"])
        with pytest.raises(ValidationError, match="already an alias"):
            Term(headword="Call centre", slug="call-centre-2", definition="x").full_clean()


class TestRelations:
    def test_relation_is_shown_from_both_sides(self, bpo_world):
        bpo, kpo, call_center = bpo_world["bpo"], bpo_world["kpo"], bpo_world["call_center"]
        around = TermRelation.objects.around
        assert bpo.related_by_kind(around(bpo)) == [
            ("Narrower terms", [kpo]),
            ("Contrasts with", [call_center]),
        ]
        assert kpo.related_by_kind(around(kpo)) == [("Broader terms", [bpo])]

    def test_term_cannot_relate_to_itself(self):
        term = factories.term()
        with pytest.raises(ValidationError, match="itself"):
            TermRelation(from_term=term, to_term=term).full_clean()

    def test_pair_is_stored_once(self):
        a, b = factories.term(), factories.term()
        factories.relation(a, b)
        with pytest.raises(ValidationError, match="other side"):
            TermRelation(from_term=b, to_term=a).full_clean()

    def test_relations_to_drafts_are_hidden(self):
        live, draft = factories.term(), factories.draft()
        factories.relation(live, draft)
        factories.relation(factories.draft(), live)
        assert live.related_by_kind(TermRelation.objects.around(live)) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "data:text/html,x"])
def test_source_url_accepts_only_http_and_https(url):
    with pytest.raises(ValidationError):
        Source(term=factories.term(), title="T", url=url).full_clean()


def test_source_url_may_be_http_https_or_empty():
    term = factories.term()
    urls = ["https://example.com/a", "http://example.com/b", ""]
    for position, url in enumerate(urls):
        source = Source(term=term, title="T", url=url, position=position)
        source.full_clean()
        source.save()
    assert list(term.sources.values_list("url", flat=True)) == urls


def test_scheduled_term_becomes_visible_when_its_time_comes():
    term = factories.scheduled()
    assert not Term.objects.published().filter(pk=term.pk).exists()
    Term.objects.filter(pk=term.pk).update(published_at=timezone.now() - timezone.timedelta(seconds=1))
    assert Term.objects.published().filter(pk=term.pk).exists()


@pytest.mark.parametrize("slug", ["bpo", "call-center", "日本語", "a_b-9"])
@pytest.mark.parametrize("script_prefix", ["/", "/kb/"])
def test_an_article_address_is_the_one_reverse_gives(slug, script_prefix):
    set_script_prefix(script_prefix)
    try:
        assert Term(slug=slug).get_absolute_url() == reverse("glossary:term", args=[slug])
    finally:
        set_script_prefix("/")
