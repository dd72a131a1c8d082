"""`manage.py export_glossary` and `import_glossary`: the whole glossary out and back without loss,
and a bad file refused whole, every bad record named."""

import json
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from glossary.models import FAQ, Alias, Benefit, Category, Facet, Risk, Source, Term, TermRelation
from glossary.transfer import glossary_export
from tests import factories
from tests.editorial import member, signed_in

pytestmark = pytest.mark.django_db

MODELS = [Facet, Category, Benefit, Risk, Term, Alias, FAQ, Source, TermRelation]


def export(*args):
    out = StringIO()
    call_command("export_glossary", *args, stdout=out)
    return out.getvalue()


def import_file(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_glossary", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def flush_content():
    TermRelation.objects.all().delete()
    Term.objects.all().delete()
    Category.objects.all().delete()
    Facet.objects.all().delete()
    Benefit.objects.all().delete()
    Risk.objects.all().delete()


@pytest.fixture
def glossary():
    """A small glossary with every part a term can have, a draft and a reviewed term."""
    editor = get_user_model().objects.create_user("editor")
    location = factories.facet(slug="location", name="Location")
    offshore = factories.category(location, slug="offshore", name="Offshore")
    cost = factories.benefit(slug="cost", name="Lower cost")
    churn = factories.risk(slug="churn", name="Churn")
    bpo = factories.term(
        slug="bpo",
        headword="BPO",
        expansion="Business Process Outsourcing",
        body="Outsourcing *whole* processes, such as a call center.",
        categories=[offshore],
        tags=["outsourcing", "Café"],
        aliases=["business process outsourcing partner"],
        steward=editor,
        reviewed_by=editor,
        reviewed_at=timezone.now(),
    )
    bpo.benefits.set([cost])
    bpo.risks.set([churn])
    factories.faq(bpo, question="Is it cheap?", answer="Often.")
    factories.source(bpo, title="A book", url="https://example.com/book")
    center = factories.term(slug="call-center", headword="Call center", link_mentions=False)
    factories.relation(bpo, center, TermRelation.Kind.NARROWER)
    factories.draft(slug="kpo", headword="KPO", definition="Knowledge work, outsourced.")
    return bpo


@pytest.mark.parametrize("format", ["json", "yaml", "csv"])
def test_export_flush_import_export_gives_the_same_bytes(glossary, tmp_path, format):
    first = export("--format", format)
    path = tmp_path / f"glossary.{format}"
    path.write_text(first, encoding="utf-8", newline="")
    before = counts()
    flush_content()
    assert Term.objects.count() == 0
    assert import_file(path).startswith("Added: 1 facet, 1 category, 1 benefit, 1 risk, 3 terms;")
    assert counts() == before
    assert export("--format", format) == first


@pytest.mark.parametrize("format", ["json", "yaml", "csv"])
def test_import_keeps_status_steward_review_and_relation_kind(glossary, tmp_path, format):
    path = tmp_path / f"glossary.{format}"
    path.write_text(export("--format", format), encoding="utf-8", newline="")
    published_at = glossary.published_at
    flush_content()
    import_file(path)
    bpo = Term.objects.get(slug="bpo")
    assert bpo.status == Term.Status.PUBLISHED and bpo.published_at == published_at
    assert bpo.steward.username == "editor" and bpo.reviewed_by.username == "editor"
    assert bpo.relations_out.get().kind == TermRelation.Kind.NARROWER
    assert sorted(bpo.tags.names()) == ["Café", "outsourcing"]
    assert Term.objects.get(slug="kpo").status == Term.Status.DRAFT
    assert Term.objects.get(slug="call-center").link_mentions is False


def test_export_writes_to_a_file_in_the_format_of_its_extension(glossary, tmp_path):
    path = tmp_path / "out.yaml"
    call_command("export_glossary", "--output", str(path), stderr=StringIO())
    assert path.read_text(encoding="utf-8").startswith("benefits:\n")


def test_a_file_marking_a_term_in_review_brings_it_in_for_review(glossary, tmp_path):
    document = json.loads(export())
    document["terms"][0]["status"] = "in_review"
    path = tmp_path / "g.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    flush_content()
    import_file(path)
    assert Term.objects.get(slug=document["terms"][0]["slug"]).status == Term.Status.IN_REVIEW


def test_dry_run_writes_nothing(glossary, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(export(), encoding="utf-8")
    flush_content()
    assert import_file(path, "--dry-run").startswith("Dry run, nothing written. Added: 1 facet,")
    assert Term.objects.count() == 0 and Facet.objects.count() == 0


def _bad(document, mistake):
    terms = {term["slug"]: term for term in document["terms"]}
    if mistake == "unknown category":
        terms["bpo"]["categories"] = ["location/nowhere"]
    elif mistake == "duplicate slug":
        document["terms"].append(dict(terms["kpo"], headword="KPO again"))
        document["term_count"] += 1
    elif mistake == "alias collision":
        terms["kpo"]["aliases"] = ["Call center"]
    elif mistake == "missing headword":
        del terms["kpo"]["headword"]
    elif mistake == "relation to a missing term":
        terms["bpo"]["related"] = [{"kind": "see_also", "term": "nowhere"}]
    elif mistake == "value too long":
        terms["kpo"]["headword"] = "K" * 121
    elif mistake == "unknown steward":
        terms["bpo"]["steward"] = "nobody"
    elif mistake == "slug not text":
        terms["kpo"]["slug"] = ["kpo"]
    elif mistake == "date without a date":
        terms["bpo"]["reviewed_at"] = "last Tuesday"
    return document


MISTAKES = [
    ("unknown category", "unknown location/nowhere"),
    ("duplicate slug", "duplicate slug “kpo”"),
    ("alias collision", "already the name or address of Call center"),
    ("missing headword", "headword: is missing."),
    ("relation to a missing term", "relation to a missing term “nowhere”"),
    ("value too long", "at most 120 characters"),
    ("unknown steward", "no user “nobody”"),
    ("slug not text", "slug: must be text."),
    ("date without a date", "“last Tuesday” is not an ISO 8601 date and time."),
]


@pytest.mark.parametrize(("mistake", "message"), MISTAKES, ids=[m for m, _ in MISTAKES])
def test_each_bad_record_is_named_and_leaves_the_database_unchanged(glossary, tmp_path, mistake, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_bad(json.loads(export()), mistake)), encoding="utf-8")
    before, first = counts(), export()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=err)
    assert message in err.getvalue()
    assert "terms record" in err.getvalue()
    assert counts() == before and export() == first


def test_dry_run_reports_every_bad_record_with_its_number(glossary, tmp_path):
    document = json.loads(export())
    for mistake in ("unknown category", "value too long", "unknown steward"):
        document = _bad(document, mistake)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    flush_content()
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_glossary", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    slugs = [term["slug"] for term in document["terms"]]
    assert any(f"terms record {slugs.index('bpo') + 1}:" in line and "nobody" in line for line in lines)
    assert any(f"terms record {slugs.index('kpo') + 1}:" in line and "120" in line for line in lines)
    assert Term.objects.count() == 0 and Facet.objects.count() == 0


def test_csv_errors_give_the_line(glossary, tmp_path):
    lines = export("--format", "csv").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("term,kpo,"))
    lines[number - 1] = lines[number - 1].replace(",KPO,", "," + "K" * 121 + ",", 1)
    path = tmp_path / "bad.csv"
    path.write_text("".join(lines), encoding="utf-8", newline="")
    before = counts()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=err)
    assert f"(line {number})" in err.getvalue()
    assert counts() == before


@pytest.mark.parametrize("format", ["json", "yaml", "csv"])
def test_a_truncated_file_is_refused(glossary, tmp_path, format):
    text = export("--format", format)
    path = tmp_path / f"cut.{format}"
    path.write_text(text[: len(text) // 2], encoding="utf-8", newline="")
    before = counts()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=err)
    assert "truncated" in err.getvalue() or "malformed" in err.getvalue() or "record" in err.getvalue()
    assert counts() == before


def test_a_file_in_another_encoding_is_refused(glossary, tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(export().encode("latin-1", errors="replace"))
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=(err := StringIO()))
    assert "is not UTF-8" in err.getvalue()
    path.write_bytes(export().encode("utf-16"))
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=(err := StringIO()))
    assert "UTF" in err.getvalue()


@pytest.mark.parametrize("name", ["junk.json", "junk.yaml", "junk.csv"])
def test_ten_megabytes_of_junk_get_a_clear_message_quickly(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b'lorem ipsum, "dolor": [sit {amet\n' * 320_000)
    start = time.monotonic()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=(err := StringIO()))
    assert time.monotonic() - start < 2
    assert "is not a glossary" in err.getvalue()
    assert Term.objects.count() == 0


def test_the_seed_content_survives_the_round_trip_in_every_format(tmp_path):
    call_command("load_demo", stdout=StringIO())
    for format in ("json", "yaml", "csv"):
        first = export("--format", format)
        path = tmp_path / f"seed.{format}"
        path.write_text(first, encoding="utf-8", newline="")
        before = counts()
        flush_content()
        import_file(path)
        assert counts() == before
        assert export("--format", format) == first, format


@pytest.mark.parametrize("kind", ["json", "yaml", "csv"])
@pytest.mark.parametrize("role", ["Editors", "Publishers"])
def test_the_term_list_downloads_the_same_export_as_the_command(role, kind):
    factories.term(headword="BPO", slug="bpo", aliases=["business process outsourcing"])
    client = signed_in(member(role))
    assert (
        f'href="/admin/glossary/term/export/?format={kind}"'
        in client.get("/admin/glossary/term/").content.decode()
    )
    response = client.get(f"/admin/glossary/term/export/?format={kind}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="glossary.{kind}"'
    assert response.content.decode() == glossary_export(format=kind)


@pytest.mark.parametrize("kind", ["xml", "", "JSON", "json\x00"])
def test_an_unknown_export_format_is_a_400(admin_client, kind):
    response = admin_client.get("/admin/glossary/term/export/", {"format": kind})
    assert response.status_code == 400
    assert b"Choose a format: json, yaml, csv." in response.content


def one_term_file(entry):
    return {"format": "kb-glossary", "terms": [entry], "term_count": 1}


def test_importing_the_export_again_changes_nothing_and_says_so(glossary, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(export(), encoding="utf-8")
    assert import_file(path).startswith(
        "Added: nothing; changed: nothing; unchanged: 1 facet, 1 category, 1 benefit, 1 risk, 3 terms."
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    document["terms"][0]["definition"] = "Changed in the file."
    document["facets"][0]["name"] = "Where"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert import_file(path).startswith(
        "Added: nothing; changed: 1 facet, 1 term; unchanged: 1 category, 1 benefit, 1 risk, 2 terms."
    )
    assert Term.objects.get(slug=document["terms"][0]["slug"]).definition == "Changed in the file."


def test_a_file_of_one_term_may_relate_it_to_terms_already_here(glossary, tmp_path):
    entry = {"slug": "kpo", "headword": "KPO", "definition": "Knowledge work.", "status": "draft"}
    entry["related"] = [{"kind": "broader", "term": "bpo"}]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one_term_file(entry)), encoding="utf-8")
    import_file(path)
    assert list(Term.objects.get(slug="kpo").relations_out.values_list("kind", "to_term__slug")) == [
        ("broader", "bpo")
    ]


def test_a_published_term_keeps_its_date_when_the_file_gives_none(glossary, tmp_path):
    published_at = glossary.published_at
    entry = {"slug": "bpo", "headword": "BPO", "definition": "Whole processes.", "status": "published"}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one_term_file(entry)), encoding="utf-8")
    import_file(path)
    assert Term.objects.get(slug="bpo").published_at == published_at


def bad_import(path, document):
    path.write_text(json.dumps(document), encoding="utf-8")
    before = export()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_glossary", str(path), stdout=StringIO(), stderr=err)
    assert export() == before
    return err.getvalue()


def test_a_slug_given_twice_in_any_kind_of_record_is_refused(glossary, tmp_path):
    document = json.loads(export())
    document["benefits"].append(dict(document["benefits"][0], name="Cheaper"))
    document["facets"][0]["categories"].append(dict(document["facets"][0]["categories"][0], name="Far"))
    said = bad_import(tmp_path / "g.json", document)
    assert "benefits record 2: duplicate slug “cost” (also benefits record 1)." in said
    assert "facets record 1: category 2: duplicate slug “offshore” (also category 1)." in said


def test_a_file_nested_too_deeply_or_with_a_count_that_is_not_a_number_is_refused(glossary, tmp_path):
    deep = '{"format": "kb-glossary", "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    (tmp_path / "deep.json").write_text(deep, encoding="utf-8")
    with pytest.raises(CommandError):
        import_file(tmp_path / "deep.json")
    document = json.loads(export())
    document["term_count"] = str(document["term_count"])
    assert "term_count must be the number of terms" in bad_import(tmp_path / "g.json", document)


def test_reimporting_the_export_writes_nothing(glossary, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(export(), encoding="utf-8")
    stamps = dict(Term.objects.values_list("slug", "updated_at"))
    faqs = list(FAQ.objects.values_list("pk", flat=True))
    import_file(path)
    assert dict(Term.objects.values_list("slug", "updated_at")) == stamps
    assert list(FAQ.objects.values_list("pk", flat=True)) == faqs


def test_positions_an_editor_numbered_are_kept_when_the_order_is_the_same(glossary, tmp_path):
    second = factories.facet(slug="industry", name="Industry")
    Facet.objects.filter(slug="location").update(position=10)
    Facet.objects.filter(pk=second.pk).update(position=20)
    path = tmp_path / "g.json"
    path.write_text(export(), encoding="utf-8")
    assert "unchanged: 2 facets" in import_file(path)
    assert list(Facet.objects.order_by("position").values_list("slug", "position")) == [
        ("location", 10),
        ("industry", 20),
    ]
    document = json.loads(path.read_text(encoding="utf-8"))
    document["facets"].reverse()
    path.write_text(json.dumps(document), encoding="utf-8")
    assert "changed: 2 facets" in import_file(path)
    assert list(Facet.objects.order_by("position").values_list("slug", flat=True)) == ["industry", "location"]


def test_a_relation_may_move_to_the_other_side_of_its_pair(glossary, tmp_path):
    document = json.loads(export())
    terms = {term["slug"]: term for term in document["terms"]}
    assert terms["bpo"]["related"] == [{"kind": "narrower", "term": "call-center"}]
    terms["bpo"]["related"] = []
    terms["call-center"]["related"] = [{"kind": "broader", "term": "bpo"}]
    path = tmp_path / "g.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    import_file(path)
    assert list(TermRelation.objects.values_list("from_term__slug", "kind", "to_term__slug")) == [
        ("call-center", "broader", "bpo")
    ]


def test_a_time_without_its_zone_is_taken_as_utc(glossary, tmp_path):
    entry = {"slug": "ito", "headword": "ITO", "definition": "IT work, outsourced."}
    entry |= {"status": "published", "published_at": "2026-01-02T03:04:05"}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one_term_file(entry)), encoding="utf-8")
    import_file(path)
    assert Term.objects.get(slug="ito").published_at.isoformat() == "2026-01-02T03:04:05+00:00"
