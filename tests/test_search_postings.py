"""PostgreSQL's search postings (migration 0019): every match of a search read from one row a word,
with the terms written since the postings were built checked against their rows. Whatever the
postings hold, the matches are those the GIN indexes find; `manage.py refresh_search` builds them."""

from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from glossary import search
from glossary.models import FAQ, Alias, Term
from glossary.search import named_like
from glossary.search import postgresql as engine
from glossary.search.postgresql import matched_ids, matched_through_index, names_holding, postings_state
from glossary.search.text import Query

from . import factories

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's postings; SQLite reads FTS5's doclists"
)

QUERIES = [
    "outsourcing",
    "process outsourcing",
    "business process",
    "call",  # a word of a name, and as a prefix “call center”
    "cal",
    "cent",
    "the",  # a stop word of the document, a word of the names (“The call center”)
    "the outsourcing",  # a stop word beside a word
    "off",  # a stop word of PostgreSQL's alone
    "organisation",  # finds its American spelling too
    "organization",
    "services",  # stemmed: “service”
    "zzzqqq",  # nothing
    "outsourcing zzzqqq",
    "center knowledge",
    "k",
]


@pytest.fixture
def glossary(db):
    terms = {
        "bpo": factories.term(
            headword="BPO",
            expansion="Business process outsourcing",
            definition="Contracting a business function to an outside service provider.",
        ),
        "kpo": factories.term(
            headword="KPO",
            expansion="Knowledge process outsourcing",
            definition="Outsourcing work that needs expert knowledge, off site.",
        ),
        "center": factories.term(
            headword="The call center", definition="An organization that answers calls for a client."
        ),
        "design": factories.term(
            headword="Organisation design", definition="Shaping the services of a firm."
        ),
    }
    Alias.objects.create(term=terms["center"], name="Contact centre")
    FAQ.objects.create(term=terms["design"], question="Is it outsourcing?", answer="Not by itself.")
    return terms


def refresh(*args):
    out = StringIO()
    call_command("refresh_search", *args, stdout=out)
    return out.getvalue()


def through_postings(text):
    return sorted(map(int, matched_ids(Query.parse(text))))


def through_index(text):
    return sorted(map(int, matched_through_index(Query.parse(text))))


def assert_agree():
    found = {text: through_postings(text) for text in QUERIES}
    assert found == {text: through_index(text) for text in QUERIES}
    return found


NAME_WORDS = ["outsourcing", "process", "call", "the", "centre", "contact", "quuxiform", "zzzqqq", "cal"]


def holding_through_index(word):
    """The ids of the terms whose names hold `word`, through the names' GIN index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term_id FROM glossary_term_search WHERE names_document @@ plainto_tsquery('simple', %s)",
            [word],
        )
        return sorted(term_id for (term_id,) in cursor.fetchall())


def assert_names_agree():
    held = {word: sorted(map(int, ids)) for word, ids in names_holding(NAME_WORDS).items()}
    assert held == {word: ids for word in NAME_WORDS if (ids := holding_through_index(word))}
    return held


@postgresql
def test_the_postings_find_what_the_index_finds(glossary):
    pks = {name: term.pk for name, term in glossary.items()}
    before = assert_agree()  # built by no one yet: every term is checked as written since
    assert "Postings of" in refresh()
    assert assert_agree() == before
    assert before["outsourcing"] == sorted([pks["bpo"], pks["kpo"], pks["design"]])  # the FAQ too
    assert before["cal"] == before["the"] == [pks["center"]]
    assert before["organisation"] == sorted([pks["center"], pks["design"]])  # and its American spelling
    assert before["organization"] == [pks["center"]]
    assert before["services"] == sorted([pks["bpo"], pks["design"]])
    assert before["zzzqqq"] == before["outsourcing zzzqqq"] == []


@postgresql
def test_terms_written_after_a_refresh_are_found_as_they_are_now(glossary):
    refresh()
    with CaptureQueriesContext(connection) as captured:
        assert through_postings("zyxquux") == []
    assert "glossary_search_matches" in captured[0]["sql"]  # read from the postings
    added = factories.term(headword="Zyxquux", definition="Outsourcing of zyxquux.")
    bpo = glossary["bpo"]
    bpo.definition = "Contracting a business function to an outside firm for zyxquux."
    bpo.save()
    assert through_postings("zyxquux") == sorted([added.pk, bpo.pk])
    assert added.pk in through_postings("outsourcing")

    # Words taken out, a name added, a question added, a term deleted: as the index has them.
    bpo.definition = "Contracting a business function to an outside firm."
    bpo.save()
    Alias.objects.create(term=added, name="Quuxiform")
    FAQ.objects.create(term=glossary["kpo"], question="Why zyxquux?", answer="Because.")
    assert through_postings("zyxquux") == sorted([added.pk, glossary["kpo"].pk])
    assert through_postings("quuxif") == [added.pk]  # a prefix of the new alias
    added.delete()
    assert through_postings("quuxif") == []
    assert_agree()
    refresh()
    assert through_postings("zyxquux") == [glossary["kpo"].pk]
    assert_agree()


@postgresql
def test_the_names_holding_words_are_those_the_index_finds(glossary, monkeypatch):
    """What a mistyped search is respelled from (migration 0020): before any refresh, after one,
    after names are written, and past so many terms written."""
    pks = {name: term.pk for name, term in glossary.items()}
    before = assert_names_agree()
    assert before["outsourcing"] == sorted([pks["bpo"], pks["kpo"]])  # names only: not the FAQ
    assert before["centre"] == before["the"] == [pks["center"]]  # an alias's word; no stop words
    assert "cal" not in before and "zzzqqq" not in before  # whole words, not prefixes
    refresh()
    assert assert_names_agree() == before
    glossary["kpo"].headword = "Knowledge work"
    glossary["kpo"].expansion = ""
    glossary["kpo"].save()
    added = factories.term(headword="Quuxiform outsourcing")
    Alias.objects.create(term=glossary["design"], name="Contact process")
    glossary["center"].delete()
    held = assert_names_agree()
    assert held["outsourcing"] == sorted([pks["bpo"], added.pk])
    assert held["process"] == sorted([pks["bpo"], pks["design"]])
    assert "centre" not in held and "call" not in held
    monkeypatch.setattr(engine, "CHANGED_AT_MOST", 1)
    assert assert_names_agree() == held
    refresh()
    assert assert_names_agree() == held


@postgresql
def test_only_a_write_that_changes_the_words_is_logged(glossary):
    refresh()
    term = glossary["bpo"]
    term.save()  # the search row is written again, with the same words
    Term.objects.filter(pk=term.pk).update(status=Term.Status.DRAFT)
    lexemes = postings_state()[1]
    assert refresh("--dry-run") == f"Postings: {lexemes} words; terms written since they were built: 0.\n"
    term.definition += " Offshore."
    term.save()
    Alias.objects.create(term=term, name="Outsourced operations")
    assert refresh("--dry-run").endswith("; terms written since they were built: 1.\n")


@postgresql
def test_a_long_document_is_kept_in_its_row_as_it_is(db):
    """Migration 0022: ranking a tier reads each match's document, so it stays in its row as it is,
    where PostgreSQL would move it to the TOAST table (a row over 2 kB)."""
    body = " ".join(f"word{n} offshoring" for n in range(300))
    term = factories.term(headword="Offshoring", body=body)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT octet_length(document::text), pg_column_compression(document),
                (SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'glossary_term_search')
                FROM glossary_term_search WHERE term_id = %s""",
            [term.pk],
        )
        size, compression, toast = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {toast}")  # noqa: S608 - PostgreSQL's own name
        chunks = cursor.fetchone()[0]
    assert size > 4000
    assert (compression, chunks) == (None, 0)
    assert list(engine.ranked_ids(Query.parse("word299"), 2, None, 1)) == [term.pk]  # ranked by it


@postgresql
def test_past_so_many_terms_written_the_index_is_read(glossary, monkeypatch):
    refresh()
    monkeypatch.setattr(engine, "CHANGED_AT_MOST", 1)
    for term in (glossary["bpo"], glossary["kpo"]):
        term.definition += " Zyxquux."
        term.save()
    with CaptureQueriesContext(connection) as captured:
        found = through_postings("zyxquux")
    assert found == sorted([glossary["bpo"].pk, glossary["kpo"].pk])
    assert "ARRAY_AGG" in captured[-1]["sql"]  # the postings were asked first, then the index
    assert_agree()


@postgresql
def test_emptying_the_search_rows_empties_the_postings(glossary):
    refresh()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending checks, or no TRUNCATE
        cursor.execute("TRUNCATE glossary_term CASCADE")  # the search rows go with the terms
    assert refresh("--dry-run") == "Postings: 0 words; terms written since they were built: 0.\n"
    assert through_postings("outsourcing") == []
    term = factories.term(headword="Outsourcing again")
    assert through_postings("outsourcing") == [term.pk]
    assert_agree()


@pytest.mark.django_db
def test_the_command_says_what_it_did():
    output = refresh()
    if connection.vendor == "postgresql":
        assert output.startswith("Postings of ") and "; terms written since the last build: " in output
    else:
        assert output == "Nothing to refresh: SQLite's search index keeps itself current.\n"
        assert refresh("--dry-run") == output
    out = StringIO()
    call_command("refresh_search", verbosity=0, stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
@pytest.mark.parametrize("argument", ["--all", "now", "--dry-run=yes"])
def test_the_command_refuses_what_it_does_not_take(argument):
    with pytest.raises(CommandError):
        call_command("refresh_search", argument)


@postgresql
def test_ranked_reads_are_planned_once_but_those_that_may_score_most_terms(glossary):
    """The names and summary tiers, the last tier of a search that matches few terms, and a few
    named terms see their words only as they run (UnseenQuery): once prepared, the tiers' plan is
    generic, not made again for each search. The last tier of a search that matches many terms,
    and many named terms, are planned for their words each time (TIER_PLANNED, TIER_PLANNED_PAST,
    AMONG_PLANNED). Either way, the same ids in the same order, run after run, as at first."""
    query = Query.parse("outsourcing")
    named = [glossary["bpo"].pk, glossary["kpo"].pk]

    def ranked(planned):
        matched = engine.TIER_PLANNED_PAST + 1 if planned else engine.TIER_PLANNED_PAST
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "AMONG_PLANNED", 0 if planned else 100)
            tiers = [list(engine.ranked_ids(query, tier, None, matched)) for tier in range(3)]
            return tiers + [list(engine.ranked_among(query, 0, named))]

    first = ranked(planned=False)
    assert first[0] and first[2] and sorted(first[3]) == sorted(named)
    for _ in range(12):
        assert ranked(planned=False) == ranked(planned=True) == first
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT statement LIKE '%%"document"%%', statement LIKE '%%ANY%%', generic_plans
                FROM pg_prepared_statements WHERE statement LIKE '%%ts_rank%%'"""
        )
        prepared = sorted(cursor.fetchall())
    # Prepared: the three tiers as read for few matches, whose plans are generic, and the few named
    # terms, whose plans PostgreSQL picks by the number of ids. Nothing else.
    assert [(document, among) for document, among, _ in prepared] == [
        (False, False),
        (False, False),
        (False, True),
        (True, False),
    ]
    assert all(generic for document, among, generic in prepared if not among)


@postgresql
@pytest.mark.parametrize(
    "text",
    ["outsourcing", "process outsourcing", "out", "call", "centre", "organization", "contact centre", "bpo"],
)
def test_the_tiers_of_some_ids_read_at_once_are_the_tiers_read_in_turn(glossary, text):
    """`tiers_of` (a page that shows every match) gives each id the tier and place that reading the
    tiers one at a time gives it, and names the terms that `named_like` names; ids that do not
    match, drafts among them, are left out. Run past the prepare threshold, its plan is generic:
    made once, whatever the ids."""
    draft = factories.draft(headword="Outsourcing draft", definition="Call it outsourcing.")
    factories.term(headword="Unrelated", definition="Nothing to find here.")
    query = Query.parse(text)
    in_turn = [(tier, pk) for tier in range(3) for pk in engine.ranked_ids(query, tier, None, 1)]
    assert in_turn  # every query finds something
    found = {pk for _, pk in in_turn}
    named = {pk: kind for pk, kind in named_like(query).items() if pk in found}
    expected = [(tier, pk, named.get(pk)) for tier, pk in in_turn]
    ids = [*Term.objects.values_list("pk", flat=True), 999_999]
    for _ in range(12):  # prepared after five runs, and then planned for its values five times
        assert engine.tiers_of(query, ids) == expected
    assert engine.tiers_of(query, sorted(found, reverse=True)) == expected  # whatever the ids' order
    assert engine.tiers_of(query, [draft.pk]) == [row for row in expected if row[1] == draft.pk]
    assert engine.tiers_of(query, []) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%%found.tier%%'"
        )
        assert cursor.fetchone()[0] > 0


@postgresql
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("bpo", 0),
        ("Business process outsourcing", 0),
        ("business process", 1),
        ("busi", 1),
        ("process", None),
    ],
)
def test_the_tiers_of_some_ids_tell_how_each_is_named_like_the_query(glossary, text, kind):
    """A name that is the query (a headword, an expansion), one that starts with its stem, and
    none; an alias that is the query (“Contact centre”)."""
    bpo, center = glossary["bpo"], glossary["center"]
    assert engine.tiers_of(Query.parse(text), [bpo.pk])[0][1:] == (bpo.pk, kind)
    assert engine.tiers_of(Query.parse("contact centre"), [center.pk])[0][1:] == (center.pk, 0)


@postgresql
@pytest.mark.parametrize(("at_once", "all_at_once"), [(search.AT_ONCE, True), (2, False)])
def test_a_page_that_shows_every_match_ranks_them_in_one_read(
    client, glossary, monkeypatch, at_once, all_at_once
):
    """Up to AT_ONCE matches, a page that holds them all reads their tiers and ranks at once;
    past it, a tier at a time: here the names' tier, which leaves one match, placed last without a
    tier ranked for it. The same page either way."""
    monkeypatch.setattr(search, "AT_ONCE", at_once)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/search/", {"q": "outsourcing"})
    ranked = [query["sql"] for query in captured if "ts_rank" in query["sql"]]
    assert len(ranked) == 1 and ("found.tier" in ranked[0]) == all_at_once
    slugs = [term.slug for term in response.context["page_obj"]]
    assert slugs[:2] == [glossary["bpo"].slug, glossary["kpo"].slug] and len(slugs) == 3


@postgresql
def test_a_page_read_at_once_is_the_page_read_a_tier_at_a_time(client, glossary, monkeypatch):
    """Named terms in each tier, one of them (“Category”, whose headword starts with the stem of
    “caters”) outside the names' tier: the same page in the same order either way."""
    category = factories.term(headword="Category", slug="category", definition="It caters to groups.")
    factories.term(headword="Caterer", slug="caterer", definition="Someone who caters.")
    factories.term(headword="Lunch", slug="lunch", definition="A meal.", body="The firm caters lunches.")

    def page(at_once):
        monkeypatch.setattr(search, "AT_ONCE", at_once)
        caches["default"].clear()  # the page made afresh
        response = client.get("/search/", {"q": "caters"})
        return [term.slug for term in response.context["page_obj"]]

    assert engine.tiers_of(Query.parse("caters"), [category.pk]) == [(1, category.pk, 1)]  # summary, named
    at_once = page(search.AT_ONCE)
    assert at_once == page(0) and set(at_once) == {"category", "caterer", "lunch"}
    assert at_once[-1] == "lunch"  # the named terms first


@postgresql
def test_large_postings_left_out_find_what_the_index_finds(glossary, monkeypatch):
    """A word whose postings were large when last read is left out of the postings read for a
    search with other words, whose matches are checked against the search rows instead: the same
    matches before any refresh, after one, after writes, and where there was more to check than
    the sizes last read said."""
    monkeypatch.setattr(engine, "LARGE_POSTINGS", 3)
    monkeypatch.setattr(engine, "CHECKING_COST", 1)
    monkeypatch.setattr(engine, "posting_sizes", {})
    refresh()
    before = assert_agree()  # reads every word, learning how large its postings are
    assert engine.posting_sizes[False, "outsourcing"] == 3  # the documents of BPO, KPO and a FAQ
    assert engine.posting_sizes[False, "process"] == 2
    assert engine.leaving_out(("process", "outsourcing")) == {(False, 1): 3}
    with CaptureQueriesContext(connection) as captured:
        assert assert_agree() == before
    assert any("document @@ (SELECT to_tsquery" in query["sql"] for query in captured), "none left out"
    added = factories.term(headword="Zyxquux outsourcing", definition="A business process.")
    glossary["kpo"].expansion = "Knowledge work"
    glossary["kpo"].save()
    after = assert_agree()
    assert added.pk in after["process outsourcing"] and glossary["kpo"].pk not in after["process outsourcing"]
    refresh()
    assert assert_agree() == after
    # Checking costs three times reading: left out by the sizes last read ("process" as if one term
    # held it, "outsourcing" four), "process" has two matches to check, against four ids to read.
    monkeypatch.setattr(engine, "CHECKING_COST", 3)
    engine.posting_sizes[False, "process"] = 1
    assert engine.leaving_out(("process", "outsourcing")) == {(False, 1): 4}
    with CaptureQueriesContext(connection) as captured:
        assert through_postings("process outsourcing") == after["process outsourcing"]
    assert sum("glossary_search_matches" in query["sql"] for query in captured) == 2  # and read it all
