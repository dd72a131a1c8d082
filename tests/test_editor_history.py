"""One history for a term and all its parts: every save is a revision; any two compare; any one
restores, children and all; a deleted term comes back from its last revision."""

import pytest
from django.urls import reverse

from editorial.models import Revision
from editorial.services import record, terms_delete
from glossary.models import Term

from . import factories
from .editorial import member, opened, save, signed_in

pytestmark = pytest.mark.django_db


def history_url(term):
    return reverse("admin:glossary_term_history", args=[term.pk])


@pytest.fixture
def editor(db):
    return signed_in(member("Editors"))


@pytest.fixture
def edited(editor):
    """A draft saved three times through the admin, its FAQ and aliases changing along the way."""
    term = factories.draft(
        headword="RPO", slug="rpo", definition="First definition.", aliases=["first alias"]
    )
    factories.faq(term, question="Q one?", answer="First answer.")
    data = opened(editor, term)
    save(editor, term, data, definition="Second definition.", revision_message="Sharper wording.")
    data = opened(editor, term)
    save(
        editor,
        term,
        data,
        **{"faqs-0-answer": "Second answer.", "aliases-0-name": "second alias"},
        definition="Third definition.",
    )
    return term


def test_every_save_records_a_revision_with_its_author_and_message(edited):
    revisions = list(Revision.objects.of_term(edited.pk).order_by("number"))
    assert [revision.number for revision in revisions] == [1, 2]
    assert revisions[0].message == "Sharper wording." and revisions[0].author.username == "editors"
    assert revisions[1].entry["faqs"] == [{"question": "Q one?", "answer": "Second answer."}]
    assert revisions[1].entry["aliases"] == ["second alias"]


def test_the_history_page_lists_the_revisions(editor, edited):
    page = editor.get(history_url(edited)).content.decode()
    assert "Sharper wording." in page and page.count('name="a"') == 2


def test_two_revisions_compare_field_by_field(editor, edited):
    page = editor.get(reverse("admin:glossary_term_compare", args=[edited.pk]), {"a": 1, "b": 2})
    assert page.status_code == 200
    changed = [change.label for change in page.context["changes"]]
    assert changed == ["Definition", "Aliases", "FAQ"]
    text = page.content.decode()
    assert "<del>Second definition.</del>" in text and "<ins>Third definition.</ins>" in text
    assert "<del>First answer.</del>" in text and "<ins>Second answer.</ins>" in text


@pytest.mark.parametrize("query", [{}, {"a": "x", "b": 1}, {"a": 1, "b": 99}, {"a": 10**12, "b": 1}])
def test_a_bad_comparison_goes_back_to_the_history(editor, edited, query):
    response = editor.get(reverse("admin:glossary_term_compare", args=[edited.pk]), query)
    assert response.status_code == 302 and response["Location"] == history_url(edited)


def test_restoring_a_revision_restores_the_faq_and_aliases_as_a_new_revision(editor, edited):
    response = editor.post(reverse("admin:glossary_term_restore", args=[edited.pk, 1]))
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.definition == "Second definition."
    assert list(edited.aliases.values_list("name", flat=True)) == ["first alias"]
    assert list(edited.faqs.values_list("answer", flat=True)) == ["First answer."]
    latest = Revision.objects.of_term(edited.pk).order_by("-number").first()
    assert (latest.number, latest.action, latest.message) == (3, "restored", "Restored revision 1.")


def test_restoring_needs_a_post(editor, edited):
    assert editor.get(reverse("admin:glossary_term_restore", args=[edited.pk, 1])).status_code == 405
    assert editor.post(reverse("admin:glossary_term_restore", args=[edited.pk, 99])).status_code == 404


def test_restoring_a_published_terms_revision_is_a_change_for_review(client, editor):
    term = factories.term(headword="BPO", slug="bpo", definition="Old words.")
    publisher = signed_in(member("Publishers"))
    review = reverse("admin:glossary_term_review", args=[term.pk])
    save(editor, term, opened(editor, term), definition="New words.")  # 1, proposed
    publisher.post(review, {"decision": "reject"})  # 2, the published version: old words
    save(editor, term, opened(editor, term), definition="Newer words.")  # 3, proposed
    publisher.post(review, {"decision": "approve"})  # 4
    assert "Newer words." in client.get("/terms/bpo/").content.decode()
    editor.post(reverse("admin:glossary_term_restore", args=[term.pk, 2]))
    proposed = Revision.objects.pending().get(term=term)
    assert (proposed.number, proposed.entry["definition"]) == (5, "Old words.")
    assert "Newer words." in client.get("/terms/bpo/").content.decode()


def test_a_deleted_term_is_restored_from_its_last_revision(admin_client):
    term = factories.term(headword="LPO", slug="lpo", aliases=["legal outsourcing"])
    factories.faq(term, question="Who?", answer="Lawyers.")
    factories.source(term, title="A study", url="https://example.com/")
    key = term.pk
    admin_client.post(reverse("admin:glossary_term_delete", args=[key]), {"post": "yes"})
    assert not Term.objects.exists()
    deleted = admin_client.get(reverse("admin:glossary_term_deleted"))
    assert "LPO" in deleted.content.decode()
    revision = Revision.objects.get(action="deleted")
    response = admin_client.post(reverse("admin:glossary_term_undelete", args=[revision.pk]))
    assert response.status_code == 302
    restored = Term.objects.get(slug="lpo")
    assert restored.status == "draft"
    assert list(restored.aliases.values_list("name", flat=True)) == ["legal outsourcing"]
    assert list(restored.faqs.values_list("answer", flat=True)) == ["Lawyers."]
    assert list(restored.sources.values_list("url", flat=True)) == ["https://example.com/"]
    actions = list(Revision.objects.of_term(restored.pk).order_by("number").values_list("action", flat=True))
    assert actions == ["deleted", "restored"]
    assert "No deleted terms." in admin_client.get(reverse("admin:glossary_term_deleted")).content.decode()


def test_a_deleted_term_whose_address_is_taken_is_not_restored(admin_client):
    term = factories.term(slug="lpo")
    admin_client.post(reverse("admin:glossary_term_delete", args=[term.pk]), {"post": "yes"})
    factories.term(slug="lpo", headword="Another")
    revision = Revision.objects.get(action="deleted")
    response = admin_client.post(reverse("admin:glossary_term_undelete", args=[revision.pk]), follow=True)
    assert "cannot be restored" in response.content.decode()
    assert Term.objects.count() == 1


def test_the_bulk_delete_records_each_term(admin_client):
    first, second = factories.term(), factories.term()
    admin_client.post(
        reverse("admin:glossary_term_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert not Term.objects.exists()
    assert Revision.objects.filter(action="deleted").count() == 2


def test_deleting_a_term_others_relate_to_warns_and_names_them(admin_client):
    bpo = factories.term(headword="BPO")
    kpo = factories.term(headword="KPO")
    factories.relation(kpo, bpo)
    page = admin_client.get(reverse("admin:glossary_term_delete", args=[bpo.pk])).content.decode()
    assert "Other terms relate to this: KPO" in page


def test_the_audit_trail_lists_review_steps(admin_client):
    term = factories.draft(headword="ITO")
    admin_client.post(
        reverse("admin:glossary_term_changelist"), {"action": "publish", "_selected_action": [term.pk]}
    )
    listed = admin_client.get(reverse("admin:editorial_revision_changelist"), {"action__exact": "published"})
    assert [revision.headword for revision in listed.context["cl"].result_list] == ["ITO"]


def test_the_history_pages_queries_do_not_grow_with_revisions(
    admin_client, admin_user, django_assert_max_num_queries
):
    term = factories.draft(headword="ITO")
    for _ in range(3):
        record(term=term, by=admin_user, action="changed")
    with django_assert_max_num_queries(12):
        assert admin_client.get(history_url(term)).status_code == 200
    for _ in range(60):
        record(term=term, by=member("Editors", f"editor {_}"), action="changed")
    with django_assert_max_num_queries(12):
        page = admin_client.get(history_url(term))
    assert page.context["page_obj"].paginator.count == 63
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:glossary_term_compare", args=[term.pk]), {"a": 1, "b": 63})


def test_a_term_deleted_twice_is_listed_once_with_its_latest_version(admin_client):
    term = factories.term(headword="LPO", slug="lpo", definition="First life.")
    admin_client.post(reverse("admin:glossary_term_delete", args=[term.pk]), {"post": "yes"})
    admin_client.post(
        reverse("admin:glossary_term_undelete", args=[Revision.objects.get(action="deleted").pk])
    )
    again = Term.objects.get(slug="lpo")
    save(admin_client, again, opened(admin_client, again), definition="Second life.")
    admin_client.post(reverse("admin:glossary_term_delete", args=[again.pk]), {"post": "yes"})
    listed = list(admin_client.get(reverse("admin:glossary_term_deleted")).context["page_obj"])
    assert len(listed) == 1 and listed[0].entry["definition"] == "Second life."
    admin_client.post(reverse("admin:glossary_term_undelete", args=[listed[0].pk]))
    assert Term.objects.get(slug="lpo").definition == "Second life."


def test_a_deleted_term_is_restored_only_once(admin_client):
    term = factories.term(slug="lpo")
    admin_client.post(reverse("admin:glossary_term_delete", args=[term.pk]), {"post": "yes"})
    url = reverse("admin:glossary_term_undelete", args=[Revision.objects.get(action="deleted").pk])
    assert admin_client.post(url).status_code == 302
    assert admin_client.post(url).status_code == 404  # no longer a deleted term
    assert Term.objects.filter(slug="lpo").count() == 1


def test_restoring_keeps_a_relation_to_a_term_renamed_since(editor):
    term = factories.draft(headword="KPO", slug="kpo")
    bpo = factories.term(headword="BPO", slug="bpo")
    factories.relation(term, bpo, "broader")
    save(editor, term, opened(editor, term), definition="Saved with its relation.")
    term.relations_out.all().delete()
    bpo.slug = "business-process-outsourcing"
    bpo.save()
    editor.post(reverse("admin:glossary_term_restore", args=[term.pk, 1]))
    assert [(r.to_term_id, r.kind) for r in term.relations_out.all()] == [(bpo.pk, "broader")]


@pytest.mark.parametrize("key", ["abc", "99999999999999999999", "-1", "0"])
@pytest.mark.parametrize("page", ["review", "history", "compare", "deprecate"])
def test_the_term_pages_answer_a_bad_address_with_404(admin_client, key, page):
    assert (
        admin_client.get(
            f"/admin/glossary/term/{key}/{page.replace('compare', 'history/compare')}/"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("number", ["abc", "-1", "²"])
def test_a_bad_restore_address_changes_nothing_and_is_no_error(admin_client, number):
    """Not a number: the admin's own catch-all sends it on to a page saying no such object."""
    term = factories.draft()
    for url in (
        f"/admin/glossary/term/{term.pk}/history/{number}/restore/",
        f"/admin/glossary/term/deleted/{number}/restore/",
    ):
        assert admin_client.post(url, follow=True).status_code in (200, 404)
    assert not Revision.objects.exists() and Term.objects.count() == 1


@pytest.mark.parametrize("page", ["abc", "0", "99999999999999999999", "\x00"])
def test_history_and_deleted_lists_take_any_page_number(admin_client, page):
    term = factories.draft()
    record(term=term, by=None, action="changed")
    assert admin_client.get(history_url(term), {"page": page}).status_code == 200
    assert admin_client.get(reverse("admin:glossary_term_deleted"), {"page": page}).status_code == 200


def test_the_deleted_terms_list_does_not_ask_more_with_more_terms(
    admin_client, admin_user, django_assert_max_num_queries
):
    def delete(n):
        terms_delete(terms=Term.objects.filter(pk__in=[factories.term().pk for _ in range(n)]), by=admin_user)

    delete(2)
    with django_assert_max_num_queries(8):
        assert admin_client.get(reverse("admin:glossary_term_deleted")).status_code == 200
    delete(30)
    with django_assert_max_num_queries(8):
        page = admin_client.get(reverse("admin:glossary_term_deleted"))
    assert page.context["page_obj"].paginator.count == 32
