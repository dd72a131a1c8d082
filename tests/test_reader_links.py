"""Readers follow links from an article to the other terms it mentions, and to those written [[slug]]."""

import re

import pytest
from django.core.management import CommandError, call_command

from editorial.models import Revision
from editorial.services import change_approve, terms_delete, terms_publish, terms_unpublish
from glossary.models import Term
from glossary.services import mentions_refresh

from . import factories
from .editorial import member, opened, save, signed_in

pytestmark = pytest.mark.django_db


def made(maker=factories.term, **values):
    """A term as the services leave it: with the mentions of its text found."""
    term = maker(**values)
    mentions_refresh(term=term)
    return term


def links(client, term):
    """(text, address) of each link to a term in `term`'s article, in page order."""
    page = client.get(term.get_absolute_url())
    assert page.status_code == 200
    return re.findall(r'<a href="([^"]+)" title="[^"]*" class="term-link">([^<]*)</a>', page.content.decode())


def texts(client, term):
    return [text for _, text in links(client, term)]


@pytest.fixture
def call_center(db):
    return made(
        headword="Call center", slug="call-center", aliases=["call centre"], definition="A phone office."
    )


def test_the_first_mention_of_another_term_links_to_it_with_its_definition_as_title(client, call_center):
    article = made(headword="BPO", body="A call center is common. Another call center.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert page.count('class="term-link"') == 1
    assert '<a href="/terms/call-center/" title="A phone office." class="term-link">call center</a>' in page


def test_plurals_aliases_and_letter_case_are_mentions(client, call_center):
    assert texts(client, made(headword="A", body="Many Call Centers here.")) == ["Call Centers"]
    assert texts(client, made(headword="B", body="Two call centres.")) == ["call centres"]
    made(headword="Fiber network", slug="fiber")
    assert links(client, made(headword="C", body="The fibre networks.")) == [
        ("/terms/fiber/", "fibre networks")
    ]


def test_an_acronym_is_linked_only_in_capitals(client):
    made(headword="IT", slug="it", expansion="Information technology")
    article = made(headword="Help", body="Is it broken? Ask IT. Buy ITs.")
    assert links(client, article) == [("/terms/it/", "IT")]


def test_headings_code_existing_links_and_parts_of_words_are_left_alone(client, call_center):
    article = made(
        headword="X",
        body="## Call center\n\n`call center` and [call center](https://example.com/) and "
        "callcenter and call-centers.\n\n```\ncall center\n```\n\nFinally a call center.",
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<h2>Call center</h2>" in page
    assert "<code>call center</code>" in page
    assert links(client, article) == [("/terms/call-center/", "call center")]
    assert page.index('class="term-link"') > page.index("Finally")


def test_a_term_never_links_to_itself(client, call_center):
    call_center.body = "A call center answers calls."
    call_center.save()
    mentions_refresh(term=call_center)
    assert links(client, call_center) == []


def test_a_longer_name_wins_over_a_shorter_one_it_contains(client):
    made(headword="Outsourcing", slug="outsourcing")
    made(headword="Offshore outsourcing", slug="offshore-outsourcing")
    article = made(headword="Y", body="We tried offshore outsourcing.")
    assert links(client, article) == [("/terms/offshore-outsourcing/", "offshore outsourcing")]


def test_each_faq_answer_links_its_own_first_mention(client, call_center):
    article = made(headword="Z", body="A call center.")
    factories.faq(article, question="Q1?", answer="Yes, a call center.")
    factories.faq(article, question="Q2?", answer="No call center here.")
    mentions_refresh(term=article)
    assert texts(client, article) == ["call center"] * 3


def test_an_acronym_with_several_meanings_links_to_the_one_in_the_same_categories(client):
    hr = factories.category(factories.facet(slug="subject"), slug="hr")
    it = factories.category(factories.facet(slug="field"), slug="it")
    made(headword="RPO", slug="rpo-recruitment", expansion="Recruitment Process Outsourcing", categories=[hr])
    made(headword="RPO", slug="rpo-recovery", expansion="Recovery Point Objective", categories=[it])
    hiring = made(headword="Hiring", body="Firms use RPO.", categories=[hr])
    assert links(client, hiring) == [("/terms/rpo-recruitment/", "RPO")]
    other = made(headword="Other", body="Firms use RPO.")
    assert links(client, other) == [("/search/?q=RPO", "RPO")]
    listing = client.get("/search/?q=RPO").content.decode()
    assert "Recruitment Process Outsourcing" in listing and "Recovery Point Objective" in listing


def test_an_editor_can_switch_linking_off_for_one_term(client, call_center):
    article = made(
        headword="Quiet", body="A call center and [[call-center|the centre]].", link_mentions=False
    )
    assert links(client, article) == [("/terms/call-center/", "the centre")]  # explicit links stay


def test_explicit_links_name_a_term_by_its_address(client, call_center):
    article = made(
        headword="E", body="See [[call-center]] or [[call-center|this page]].", link_mentions=False
    )
    assert links(client, article) == [
        ("/terms/call-center/", "Call center"),
        ("/terms/call-center/", "this page"),
    ]


def test_an_explicit_link_to_a_missing_or_unpublished_term_is_plain_text(client):
    made(factories.draft, headword="Secret", slug="secret")
    article = made(headword="F", body="See [[secret]], [[nowhere|somewhere]] and [[bad slug]].")
    page = client.get(article.get_absolute_url()).content.decode()
    assert links(client, article) == []
    assert "See secret, somewhere and [[bad slug]]." in page
    assert "data-term" not in page


def test_an_explicit_link_follows_a_renamed_term(client, call_center):
    article = made(headword="G", body="See [[call-center]].")
    call_center.slug = "contact-centre"
    call_center.save()
    assert links(client, article) == [("/terms/contact-centre/", "Call center")]


def test_links_follow_publication_unpublication_deletion_and_renaming(client, committed, call_center):
    publisher = member("Publishers")
    planned = made(factories.draft, headword="Help desk", slug="help-desk")
    with committed():
        article = made(headword="Support", body="A help desk inside a call center.")
    assert texts(client, article) == ["call center"]  # the draft is not linked, the page is cached
    with committed():
        terms_publish(terms=Term.objects.filter(pk=planned.pk), by=publisher)
    assert texts(client, article) == ["help desk", "call center"]
    with committed():
        terms_unpublish(terms=Term.objects.filter(pk=planned.pk), by=publisher)
    assert texts(client, article) == ["call center"]
    with committed():
        call_center.slug = "contact-center"
        call_center.save()
    assert links(client, article) == [("/terms/contact-center/", "call center")]
    with committed():
        terms_delete(terms=Term.objects.filter(pk=call_center.pk), by=publisher)
    assert links(client, article) == []


def test_a_term_named_later_in_the_admin_is_linked_from_articles_saved_before(client, committed):
    article = made(headword="Support", body="We run a service desk.")
    desk = made(factories.draft, headword="Front desk", slug="desk")
    editor = signed_in(member("Editors"))
    with committed():
        response = save(editor, desk, opened(editor, desk), headword="Service desk")
    assert response.status_code == 302
    terms_publish(terms=Term.objects.filter(pk=desk.pk), by=member("Publishers"))
    with committed():
        pass
    assert links(client, article) == [("/terms/desk/", "service desk")]


def test_a_name_removed_in_an_approved_change_no_longer_links(client, committed):
    desk = made(headword="Service desk", slug="desk", aliases=["help line"])
    article = made(headword="Support", body="Call the help line.")
    assert texts(client, article) == ["help line"]
    editor = signed_in(member("Editors"))
    data = opened(editor, desk)
    data["aliases-0-DELETE"] = ["on"]
    save(editor, desk, data)
    assert texts(client, article) == ["help line"]  # a proposed change: readers keep the approved one
    with committed():
        change_approve(revision=Revision.objects.pending().get(term=desk), by=member("Publishers"))
    assert texts(client, article) == []


def test_an_unclosed_explicit_link_is_shown_as_written(client):
    article = made(headword="H", body="Broken [[call-center and [[|x]] here.")
    assert "Broken [[call-center and [[|x]] here." in client.get(article.get_absolute_url()).content.decode()


def test_the_seed_content_links_its_terms_together(client):
    call_command("load_demo", verbosity=0)
    bpo = Term.objects.get(slug="bpo")
    found = dict((text, url) for url, text in links(client, bpo))
    assert found["call centers"] == "/terms/call-center/"
    assert "/terms/bpo/" not in found.values()


def test_check_links_lists_each_broken_link_and_exits_with_status_1(capsys):
    made(factories.draft, headword="Secret", slug="secret")
    made(headword="Fine", slug="fine")
    article = made(headword="F", slug="f", body="See [[secret]], [[fine]] and [[nowhere]].")
    factories.faq(article, question="Q?", answer="Also [[gone|this]].")
    with pytest.raises(CommandError, match="3 broken links.") as failed:
        call_command("check_links")
    assert failed.value.returncode == 1  # manage.py's exit status
    assert capsys.readouterr().out.splitlines() == [
        "f: [[gone]]: no such term",
        "f: [[nowhere]]: no such term",
        "f: [[secret]]: not published",
    ]


def test_check_links_is_quiet_and_succeeds_when_every_link_works(capsys):
    made(headword="Fine", slug="fine")
    made(headword="G", body="See [[fine]].")
    call_command("check_links")
    assert capsys.readouterr().out == "No broken links.\n"


def test_the_term_form_lists_its_broken_links_and_offers_the_switch(call_center):
    article = made(headword="F", body="See [[call-center]] and [[nowhere]].")
    page = signed_in(member("Editors")).get(f"/admin/glossary/term/{article.pk}/change/").content.decode()
    assert "[[nowhere]]: no such term" in page
    assert "[[call-center]]:" not in page
    assert 'name="link_mentions"' in page
    fine = signed_in(member("Publishers")).get(f"/admin/glossary/term/{call_center.pk}/change/")
    assert "None: each [[slug]] link leads to a published term." in fine.content.decode()
