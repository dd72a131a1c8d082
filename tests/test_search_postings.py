"""PostgreSQL's search postings (migration 0019): every match of a search read from one row a word,
with the terms written since the postings were built checked against their rows. Whatever the
postings hold, the matches are those the GIN indexes find; `manage.py refresh_search` builds them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from glossary.models import FAQ, Alias, Term
from glossary.search.text import Query

from . import factories

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's postings; SQLite reads FTS5's doclists"
)

QUERIES = [
    "outsourcing",
    "process outsourcing",
    "business process",
    "call",  # a name's word and, as a prefix, “call center”
    "cal",
    "off",
    "bpo",
    "front office",
    "the",  # a stop word: no lexeme in the document, a word of the names
    "the outsourcing",  # a stop word beside a word
    "organisation",  # spelled both ways
    "organization",
    "services",  # stemmed
    "zzzqqq",  # nothing
    "outsourcing zzzqqq",
    "center knowledge",
    "k",
]


def refresh():
    out = StringIO()
    call_command("refresh_search", stdout=out)
    return out.getvalue()


def through_postings(text):
    from glossary.search.postgresql import matched_ids  # noqa: PLC0415 (PostgreSQL's alone)

    return sorted(map(int, matched_ids(Query.parse(text))))


def through_index(text):
    from glossary.search.postgresql import matched_through_index  # noqa: PLC0415

    return sorted(map(int, matched_through_index(Query.parse(text))))


def assert_agree():
    found = {text: through_postings(text) for text in QUERIES}
    assert found == {text: through_index(text) for text in QUERIES}
    return found


@postgresql
def test_the_postings_find_what_the_index_finds(seed):
    before = assert_agree()  # built by no one yet: every term is checked as written since
    assert "Postings of" in refresh()
    assert assert_agree() == before
    assert before["outsourcing"] and before["the outsourcing"] and not before["zzzqqq"]
    assert before["cal"] and before["call"]  # “Call center” by a prefix of its name


@postgresql
def test_terms_written_after_a_refresh_are_found_as_they_are_now(seed):
    refresh()
    with CaptureQueriesContext(connection) as captured:
        assert through_postings("zyxquux") == []
    assert "glossary_search_matches" in captured[0]["sql"]  # read from the postings
    added = factories.term(headword="Zyxquux", definition="Outsourcing of zyxquux.")
    bpo = Term.objects.get(slug="bpo")
    bpo.definition = "Entrusting a business function to an outside firm for zyxquux."
    bpo.save()
    assert through_postings("zyxquux") == sorted([added.pk, bpo.pk])
    assert added.pk in through_postings("outsourcing")

    # Words taken out, a name added, a question added, a term deleted: as the index has them.
    bpo.definition = "Entrusting a business function to an outside firm."
    bpo.save()
    Alias.objects.create(term=added, name="Quuxiform")
    FAQ.objects.create(term=Term.objects.get(slug="kpo"), question="Why zyxquux?", answer="Because.")
    assert through_postings("zyxquux") == sorted([added.pk, Term.objects.get(slug="kpo").pk])
    assert through_postings("quuxif") == [added.pk]  # a prefix of the new alias
    added.delete()
    assert through_postings("quuxif") == []
    assert_agree()
    refresh()
    assert through_postings("zyxquux") == [Term.objects.get(slug="kpo").pk]
    assert_agree()


@postgresql
def test_past_so_many_terms_written_the_index_is_read(seed, monkeypatch):
    from glossary.search import postgresql as engine  # noqa: PLC0415

    refresh()
    monkeypatch.setattr(engine, "CHANGED_AT_MOST", 1)
    for slug in ("bpo", "kpo"):
        term = Term.objects.get(slug=slug)
        term.definition += " Zyxquux."
        term.save()
    with CaptureQueriesContext(connection) as captured:
        found = through_postings("zyxquux")
    assert found == sorted(Term.objects.filter(slug__in=["bpo", "kpo"]).values_list("pk", flat=True))
    assert "ARRAY_AGG" in captured[-1]["sql"]  # the postings were asked first, then the index
    assert_agree()


@postgresql
def test_emptying_the_search_rows_empties_the_postings(seed):
    refresh()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending checks, or no TRUNCATE
        cursor.execute("TRUNCATE glossary_term CASCADE")  # the search rows go with the terms
        for table in ("glossary_search_postings", "glossary_search_changed"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a constant)
            assert cursor.fetchone() == (0,)
    assert through_postings("outsourcing") == []
    term = factories.term(headword="Outsourcing again")
    assert through_postings("outsourcing") == [term.pk]


@pytest.mark.django_db
def test_the_command_says_what_it_did():
    output = refresh()
    if connection.vendor == "postgresql":
        assert output.startswith("Postings of ") and output.rstrip().endswith(" s.")
    else:
        assert output == "Nothing to refresh: SQLite's search index keeps itself current.\n"
    out = StringIO()
    call_command("refresh_search", verbosity=0, stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
@pytest.mark.parametrize("argument", ["--all", "now", "--verbosity=loud"])
def test_the_command_refuses_what_it_does_not_take(argument):
    with pytest.raises(CommandError):
        call_command("refresh_search", argument)
