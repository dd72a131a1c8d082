"""`manage.py load_demo`: the seed content, loaded once however often it runs, and bad files refused."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from glossary.models import FAQ, Alias, Benefit, Category, Facet, Risk, Source, Term, TermRelation

pytestmark = pytest.mark.django_db

MODELS = [Facet, Category, Benefit, Risk, Term, Alias, FAQ, Source, TermRelation]


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def with_header(text):
    """`text` as a glossary file: its format, and how many terms it holds."""
    terms = text.split("\nterms:\n", 1)[1]
    listed = []
    for line in terms.splitlines():
        if not line.startswith(" "):
            break  # the next section
        listed.append(line.startswith(("  - slug:", "  - {slug:")))
    return f"format: kb-glossary\nterm_count: {sum(listed)}\n{text}"


def write(tmp_path, text, name="content.yaml"):
    if "\nterms:\n" in text:
        text = with_header(text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_seed_content_loads_every_kind_of_row():
    output = load()
    assert output.startswith("Added: 4 facets, 18 categories, 7 benefits, 4 risks, 41 terms;")
    loaded = counts()
    assert loaded["Term"] >= 40
    assert all(n > 0 for n in loaded.values()), loaded
    bpo = Term.objects.get(slug="bpo")
    assert bpo.expansion == "Business Process Outsourcing"
    assert bpo.is_published()
    assert bpo.categories.exists() and bpo.tags.exists() and bpo.faqs.exists()
    assert "1989" in bpo.body
    # Every term is classified, tagged, related and sourced.
    terms = Term.objects.prefetch_related("categories", "tags", "sources", "relations_out", "relations_in")
    for term in terms:
        assert term.categories.all(), term
        assert term.tags.all(), term
        assert term.sources.all(), term
        assert term.relations_out.all() or term.relations_in.all(), term


def test_acronym_with_two_meanings_ships_both():
    load()
    assert set(Term.objects.filter(headword="RPO").values_list("expansion", flat=True)) == {
        "Recruitment Process Outsourcing",
        "Recovery Point Objective",
    }


def test_running_twice_duplicates_nothing():
    load()
    before = counts()
    output = load()
    assert counts() == before
    assert output.startswith("Added: nothing; changed: nothing; unchanged: 4 facets,")


def test_second_run_keeps_editor_changes_and_update_overwrites_them():
    load()
    Term.objects.filter(slug="bpo").update(definition="Edited by an editor.")
    load()
    assert Term.objects.get(slug="bpo").definition == "Edited by an editor."
    before = counts()
    assert "changed: 1 term;" in load("--update")
    assert Term.objects.get(slug="bpo").definition != "Edited by an editor."
    assert counts() == before


def test_dry_run_reports_and_changes_nothing():
    output = load("--dry-run")
    assert output.startswith("Dry run, nothing written. Added: 4 facets")
    assert set(counts().values()) == {0}


MINIMAL = """
facets:
  - slug: location
    name: Location
    categories:
      - {slug: offshore, name: Offshore}
terms:
  - slug: bpo
    headword: BPO
    definition: Hiring another company.
    categories: [location/offshore]
"""


def test_a_small_file_of_ones_own_loads(tmp_path):
    load("--file", write(tmp_path, MINIMAL))
    bpo = Term.objects.get(slug="bpo")
    assert [c.key for c in bpo.categories.all()] == ["location/offshore"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("facets: [unclosed", "line 2: malformed or truncated YAML"),
        ("- just\n- a list\n", "is not a glossary YAML file"),
        ("", "is not a glossary YAML file"),
        (
            MINIMAL.replace("location/offshore", "location/nowhere"),
            "terms record 1: categories: unknown location/nowhere",
        ),
        (MINIMAL.replace("    headword: BPO\n", ""), "terms record 1: headword: is missing"),
        (MINIMAL + "    sources:\n      - {title: T, url: 'javascript:alert(1)'}\n", "URL"),
        (MINIMAL + "    related:\n      - {term: bpo, kind: cousin}\n", "cousin"),
        (MINIMAL + "  - {slug: kpo, headword: KPO, definition: K., aliases: [BPO]}\n", "already the name"),
        (
            MINIMAL + "    aliases: [outsourcing]\n  - {slug: o, headword: Outsourcing, definition: O.}\n",
            "alias of BPO",
        ),
        (MINIMAL + "    related:\n      - {term: bpo, kind: see_also}\n", "cannot relate to itself"),
        (
            MINIMAL
            + "    related: [{term: kpo, kind: narrower}]\n"
            + "  - {slug: kpo, headword: KPO, definition: K., related: [{term: bpo, kind: broader}]}\n",
            "already related from the other side",
        ),
        (MINIMAL.replace("definition: Hiring another company.", "definition: [1, 2]"), "must be text"),
        (MINIMAL + "    tags: [outsourcing, '!!!']\n", "needs a letter or digit"),
        (MINIMAL + f"    tags: [outsourcing, {'t' * 91}]\n", "at most 90 characters"),
        (MINIMAL + f"    tags: [{', '.join(f'tag {n}' for n in range(21))}]\n", "at most 20 tags"),
        (MINIMAL + "    tags: outsourcing\n", "must be a list"),
        (
            MINIMAL + f"    aliases: [{', '.join(f'alias {n}' for n in range(51))}]\n",
            r"aliases: at most 50 entries \(this has 51\)",
        ),
        (
            MINIMAL.replace(
                "      - {slug: offshore, name: Offshore}\n",
                "".join(f"      - {{slug: c{n}, name: C{n}}}\n" for n in range(51))
                + "      - {slug: offshore, name: Offshore}\n",
            ),
            r"facets record 1: categories: at most 50 entries \(this has 52\)",
        ),
        (MINIMAL.replace("headword: BPO", 'headword: "BPO\\u202e"'), "invisible control characters"),
        (MINIMAL + '    aliases: ["call\\u200fcentre"]\n', "invisible control characters"),
        (MINIMAL.replace("name: Location", 'name: "Loc\\u2066ation"'), "invisible control characters"),
        (
            MINIMAL.replace(
                "    categories:\n      - {slug: offshore",
                f"    description: {'d' * 301}\n    categories:\n      - {{slug: offshore",
            ),
            "at most 300",
        ),
        (
            MINIMAL + f"risks:\n  - {{slug: r, name: R, description: D., mitigation: {'m' * 601}}}\n",
            "at most 600",
        ),
        (MINIMAL.replace("headword: BPO", "headword: " + "B" * 300), "at most"),
        (MINIMAL.replace("definition: Hiring another company.", "definition: " + "d" * 401), "at most 400"),
        (MINIMAL.replace("name: Offshore", "name: " + "O" * 300), "at most"),
        (MINIMAL + "    faqs: [{question: '" + "Q" * 301 + "', answer: A.}]\n", "at most"),
    ],
)
def test_bad_files_are_refused_and_load_nothing(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        load("--file", write(tmp_path, text))
    assert set(counts().values()) == {0}


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load("--file", str(tmp_path / "absent.yaml"))


def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("terms: [caf\xe9]".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        load("--file", str(path))


def test_unknown_option_is_refused():
    with pytest.raises(CommandError):
        call_command("load_demo", "--overwrite")
