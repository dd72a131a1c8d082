"""The admin's import: upload a glossary file, see what it would add and change, then confirm;
publishers only, nothing written before the confirmation, every bad record named."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from editorial.models import ImportFile, Revision
from glossary.models import Term
from glossary.transfer import glossary_export
from tests import factories
from tests.editorial import member, signed_in

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:glossary_term_import")


def confirm_url(pending):
    return reverse("admin:glossary_term_import_confirm", args=[pending.pk])


@pytest.fixture
def glossary():
    location = factories.facet(slug="location", name="Location")
    offshore = factories.category(location, slug="offshore", name="Offshore")
    factories.term(slug="bpo", headword="BPO", definition="Hiring another company.", categories=[offshore])
    factories.term(slug="call-center", headword="Call center", definition="A room of agents.")


@pytest.fixture
def publisher():
    return signed_in(member("Publishers"))


def changed_export():
    """The glossary's export with one term changed and one added."""
    document = json.loads(glossary_export())
    document["terms"][0]["definition"] = "Handing whole processes to a provider."
    document["terms"].append(
        {"slug": "kpo", "headword": "KPO", "definition": "Knowledge work, outsourced.", "status": "draft"}
    )
    document["term_count"] = len(document["terms"])
    return json.dumps(document).encode()


def upload(client, content, name="glossary.json", **fields):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content), **fields})


def test_the_preview_shows_counts_and_a_diff_and_writes_nothing(glossary, publisher):
    response = upload(publisher, changed_export())
    assert response.status_code == 200
    page = response.content.decode()
    assert "What importing <strong>glossary.json</strong> would do" in page
    counts = response.context["table"]
    assert dict(counts)["terms"] == [1, 1, 1]  # added, changed, unchanged
    assert dict(counts)["facets"] == [0, 0, 1]
    assert [o.slug for o in response.context["added"]] == ["kpo"]
    [(outcome, changes)] = response.context["changed"]
    assert outcome.slug == "bpo" and [change.field for change in changes] == ["definition"]
    assert "<del>Hiring another company.</del>" in page
    assert "<ins>Handing whole processes to a provider.</ins>" in page
    assert "1 term the file adds or changes is marked published" in page
    assert Term.objects.get(slug="bpo").definition == "Hiring another company."
    assert not Term.objects.filter(slug="kpo").exists()
    assert ImportFile.objects.count() == 1


def test_confirming_imports_and_records_a_revision_for_each_term(glossary, publisher):
    response = upload(publisher, changed_export())
    pending = ImportFile.objects.get()
    response = publisher.post(confirm_url(pending), {"digest": response.context["digest"]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:glossary_term_changelist")
    assert "Imported glossary.json. Added: 1 term; changed: 1 term;" in response.content.decode()
    assert Term.objects.get(slug="bpo").definition == "Handing whole processes to a provider."
    assert Term.objects.get(slug="kpo").status == Term.Status.DRAFT
    revisions = Revision.objects.filter(message="Imported from a glossary file.")
    assert sorted(revisions.values_list("headword", "action")) == [("BPO", "changed"), ("KPO", "created")]
    assert not ImportFile.objects.exists()
    # BPO had no history: what it was before the import is kept, to compare and restore.
    [before] = Revision.objects.filter(message="As it was before an import.")
    assert before.entry["definition"] == "Hiring another company." and before.number == 1


def test_a_write_elsewhere_since_the_preview_does_not_stop_the_import(glossary, publisher, committed):
    response = upload(publisher, changed_export())
    with committed():
        factories.term(slug="ito", headword="ITO")
    publisher.post(confirm_url(ImportFile.objects.get()), {"digest": response.context["digest"]})
    assert Term.objects.get(slug="bpo").definition == "Handing whole processes to a provider."


def test_a_write_since_the_preview_asks_for_a_new_one(glossary, publisher, committed):
    response = upload(publisher, changed_export())
    pending = ImportFile.objects.get()
    with committed():
        Term.objects.filter(slug="call-center").update(definition="Changed meanwhile.")
    response = publisher.post(confirm_url(pending), {"digest": response.context["digest"]})
    assert response.status_code == 200
    assert "The glossary changed since the preview, so nothing was imported" in response.content.decode()
    assert dict(response.context["table"])["terms"] == [1, 2, 0]  # call center would change back
    assert Term.objects.get(slug="bpo").definition == "Hiring another company."
    assert ImportFile.objects.filter(pk=pending.pk).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "glossary.json", "holds NUL bytes"),
        ('{"format": "kb-glossary", "terms": [caf\xe9]}'.encode("latin-1"), "g.json", "is not UTF-8"),
        (b'{"format": "kb-glossary", "terms": [', "glossary.json", "malformed or truncated JSON"),
        (b"record,slug\n", "glossary.csv", "is not a glossary CSV file"),
        (b"- a\n- list\n", "glossary.yaml", "is not a glossary YAML file"),
    ],
)
def test_a_bad_file_is_refused_with_its_problems_and_kept_nowhere(
    glossary, publisher, content, name, message
):
    before = glossary_export()
    response = upload(publisher, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "nothing was written" in response.content.decode()
    assert glossary_export() == before
    assert not ImportFile.objects.exists()


def test_every_bad_record_is_listed_with_its_number(glossary, publisher):
    document = json.loads(glossary_export())
    document["terms"][0]["categories"] = ["location/nowhere"]
    document["terms"][1]["headword"] = ""
    response = upload(publisher, json.dumps(document).encode())
    assert response.context["problems"] == [
        ("terms record 1", "categories: unknown location/nowhere."),
        ("terms record 2", "headword: is missing."),
    ]
    assert "<strong>terms record 2</strong>: headword: is missing." in response.content.decode()


def test_a_file_too_large_for_the_admin_is_a_form_error(glossary, publisher, settings):
    settings.GLOSSARY_IMPORT_MAX_BYTES = 2**20
    response = upload(publisher, b" " * (2**20 + 1))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file is 1.0 MB; the admin takes files of at most 1 MB."
    ]


@pytest.mark.parametrize(
    "fields",
    [{}, {"format": "xml"}],
    ids=["no file", "unknown format"],
)
def test_a_form_without_a_file_or_with_an_unknown_format_is_refused(glossary, publisher, fields):
    data = {**fields}
    if "format" in fields:
        data["file"] = SimpleUploadedFile("glossary.json", glossary_export().encode())
    response = publisher.post(IMPORT, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ImportFile.objects.exists()


def test_the_format_chosen_overrides_the_name(glossary, publisher):
    response = upload(publisher, glossary_export(format="csv").encode(), "export.txt", format="csv")
    assert dict(response.context["table"])["terms"] == [0, 0, 2]


def test_editors_may_not_import(glossary, publisher):
    upload(publisher, changed_export())
    pending = ImportFile.objects.get()
    editor = signed_in(member("Editors"))
    assert editor.get(IMPORT).status_code == 403
    assert upload(editor, changed_export()).status_code == 403
    assert editor.post(confirm_url(pending), {"version": "1"}).status_code == 403
    assert "Import</a>" not in editor.get(reverse("admin:glossary_term_changelist")).content.decode()
    assert "Import</a>" in publisher.get(reverse("admin:glossary_term_changelist")).content.decode()
    assert Term.objects.get(slug="bpo").definition == "Hiring another company."


def test_one_publisher_cannot_confirm_anothers_file(glossary, publisher):
    response = upload(publisher, changed_export())
    pending = ImportFile.objects.get()
    other = signed_in(member("Publishers", "other"))
    response = other.post(confirm_url(pending), {"digest": response.context["digest"]})
    assert response.status_code == 302 and response["Location"] == IMPORT
    assert publisher.get(confirm_url(pending)).status_code == 405
    missing = reverse("admin:glossary_term_import_confirm", args=[pending.pk + 1])
    response = publisher.post(missing, {"digest": "x"}, follow=True)
    assert response.redirect_chain == [(IMPORT, 302)]
    assert "That file was imported or dropped already." in response.content.decode()
    assert Term.objects.get(slug="bpo").definition == "Hiring another company."


def test_an_import_supersedes_a_change_awaiting_review(glossary, publisher):
    from editorial.services import record

    bpo = Term.objects.get(slug="bpo")
    pending_change = record(term=bpo, by=None, action=Revision.Action.PROPOSED, state=Revision.State.PENDING)
    response = upload(publisher, changed_export())
    assert "1 change awaiting review or scheduled is made to a term the file replaces" in (
        response.content.decode()
    )
    publisher.post(confirm_url(ImportFile.objects.get()), {"digest": response.context["digest"]})
    pending_change.refresh_from_db()
    assert pending_change.state == Revision.State.SUPERSEDED


def test_the_upload_page_keeps_to_a_few_queries(glossary, publisher, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert publisher.get(IMPORT).status_code == 200


def test_a_file_with_more_terms_to_write_than_the_admin_takes_is_sent_to_the_command(
    glossary, publisher, settings
):
    settings.GLOSSARY_IMPORT_MAX_TERMS = 1
    response = upload(publisher, changed_export())
    assert "This file adds or changes 2 terms; the admin imports at most 1 at a time." in (
        response.content.decode()
    )
    assert not ImportFile.objects.exists()
    settings.GLOSSARY_IMPORT_MAX_TERMS = 2
    assert "Import it" in upload(publisher, changed_export()).content.decode()


def test_the_preview_keeps_to_a_bound_however_many_terms_the_glossary_holds(
    glossary, publisher, django_assert_max_num_queries
):
    """The preview's work follows the file (here two terms written, two records unchanged), not
    the glossary: other terms cost it nothing."""
    content = changed_export()
    for n in range(30):
        factories.term(slug=f"other-{n}", headword=f"Other {n}")
    with django_assert_max_num_queries(110):  # 103 when written, with 30 other terms or none
        assert upload(publisher, content).status_code == 200


def test_a_confirmation_without_its_digest_imports_nothing_and_shows_the_preview(glossary, publisher):
    upload(publisher, changed_export())
    pending = ImportFile.objects.get()
    for data in ({}, {"digest": "not-a-digest"}):
        response = publisher.post(confirm_url(pending), data)
        assert response.status_code == 200
        assert "so nothing was imported" in response.content.decode()
    assert Term.objects.get(slug="bpo").definition == "Hiring another company."
    assert not Term.objects.filter(slug="kpo").exists()
