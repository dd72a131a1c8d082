"""Publishers see what needs attention: the content report, on the command line and on the desk."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from glossary.models import Term
from glossary.services import mentions_refresh

from . import factories
from .editorial import member, signed_in

pytestmark = pytest.mark.django_db

DEFINITION = "A definition of a comfortable length for readers of the glossary."


def made(**values):
    values.setdefault("definition", DEFINITION)
    term = factories.term(**values)
    mentions_refresh(term=term)
    return term


@pytest.fixture
def content():
    place = factories.facet(slug="place")
    offshore = factories.category(place, slug="offshore")
    sourced = made(headword="Sourced", slug="sourced", categories=[offshore])
    factories.source(sourced, title="A book")
    related = made(headword="Related", slug="related", categories=[offshore])
    factories.source(related, title="A book")
    factories.relation(sourced, related)
    mentioned = made(headword="Mentioned", slug="mentioned", categories=[offshore])
    factories.source(mentioned, title="A book")
    made(headword="Linked", slug="linked", categories=[offshore], body="See [[linked-to]] and mentioned.")
    made(headword="Linked to", slug="linked-to", definition="Too short.", categories=[offshore])
    made(headword="Broken", slug="broken", body="See [[nowhere]].")
    return sourced


def sections(output):
    """{heading: [lines under it]} of the report."""
    found, heading = {}, None
    for line in output.splitlines():
        if line.startswith("  "):
            found[heading].append(line.strip())
        else:
            heading = line
            found[heading] = []
    return found


def test_content_report_lists_each_kind_of_problem(content, capsys):
    call_command("content_report")
    report = sections(capsys.readouterr().out)
    # Linked mentions and links to others, but nothing leads to it.
    assert report["Orphans: no relation, mention or link connects them: 2"] == [
        "broken (Broken)",
        "linked (Linked)",
    ]
    assert report["Without sources: 3"] == ["broken (Broken)", "linked (Linked)", "linked-to (Linked to)"]
    assert report["Without categories: 1"] == ["broken (Broken)"]
    assert report["Definition shorter than 40 or longer than 300 characters: 1"] == [
        "linked-to (Linked to): 10 characters"
    ]
    assert report["Broken [[slug]] links: 1"] == ["broken (Broken): [[nowhere]]: no such term"]
    assert report["Due for review: 6"][0] == "broken (Broken): never reviewed, steward none"
    assert report["Near-duplicate names: 0"] == []


def test_content_report_pairs_terms_with_near_duplicate_names(capsys):
    made(headword="Offshoring", slug="offshoring")
    made(headword="Offshore outsourcing", slug="offshore-outsourcing")
    made(headword="Call centre", slug="call-centre")
    made(headword="Help line", slug="help-line", aliases=["Call-center"])
    made(headword="Outsourcing", slug="outsourcing")
    call_command("content_report")
    assert sections(capsys.readouterr().out)["Near-duplicate names: 2"] == [
        "call-centre (Call centre) ~ help-line (Help line)",
        "offshore-outsourcing (Offshore outsourcing) ~ offshoring (Offshoring)",
    ]


def test_content_report_counts_only_at_verbosity_0(content, capsys):
    call_command("content_report", verbosity=0)
    assert "Without sources: 3" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("role", ["Editors", "Publishers"])
def test_the_desk_shows_each_checks_count_with_a_link_to_the_report(content, role):
    page = signed_in(member(role)).get("/admin/").content.decode()
    assert 'href="/admin/glossary/term/report/#no-sources">Without sources</a></th><td>3</td>' in page


@pytest.mark.parametrize("role", ["Editors", "Publishers"])
def test_the_report_page_links_each_term_to_fix(content, role):
    response = signed_in(member(role)).get("/admin/glossary/term/report/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h2>Broken [[slug]] links: 1</h2>" in page
    broken = Term.objects.get(slug="broken")
    assert f'<a href="/admin/glossary/term/{broken.pk}/change/">Broken</a>: [[nowhere]]: no such term' in page


def test_the_report_page_is_for_staff_who_may_see_terms(client, content):
    assert client.get("/admin/glossary/term/report/")["Location"].startswith("/admin/login/")
    nobody = signed_in(User.objects.create_user("nobody", password="x-not-used-1", is_staff=True))
    assert nobody.get("/admin/glossary/term/report/").status_code == 403


def test_the_report_page_asks_no_more_with_more_terms(content, django_assert_max_num_queries):
    publisher = signed_in(member("Publishers"))
    with django_assert_max_num_queries(REPORT_QUERIES) as first:
        assert publisher.get("/admin/glossary/term/report/").status_code == 200
    for n in range(30):
        made(headword=f"More {n}", slug=f"more-{n}", body="See [[nowhere]] and mentioned.")
    with django_assert_max_num_queries(len(first)):
        assert publisher.get("/admin/glossary/term/report/").status_code == 200


REPORT_QUERIES = 22  # session, user, and each check's few queries (editorial.quality)
