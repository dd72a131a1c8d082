"""Editors write, Publishers decide what readers see: the groups, the command that keeps them,
and each role through the admin (the walk in test_admin_permissions.py covers every view)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from editorial.models import Revision
from editorial.roles import EDITORS, PUBLISHERS
from glossary.models import Term

from . import factories
from .test_editor_admin import term_form

pytestmark = pytest.mark.django_db


def held(name):
    group = Group.objects.get(name=name)
    return {(p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")}


@pytest.fixture
def as_role(client, django_user_model):
    def sign_in(name):
        user = django_user_model.objects.create_user(name.lower(), password="not-used-1", is_staff=True)
        user.groups.add(Group.objects.get(name=name))
        client.force_login(user)
        return client

    return sign_in


def test_the_migration_made_both_groups_with_their_permissions():
    assert held("Editors") == EDITORS
    assert held("Publishers") == PUBLISHERS
    assert ("glossary", "publish_term") in PUBLISHERS - EDITORS
    assert ("glossary", "delete_term") not in EDITORS
    assert {("glossary", "delete_term"), ("glossary", "delete_category")} <= PUBLISHERS - EDITORS


def test_setup_roles_restores_the_roles_and_is_idempotent(capsys):
    editors = Group.objects.get(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="delete_term"))
    editors.permissions.remove(Permission.objects.get(codename="add_faq"))
    Group.objects.filter(name="Publishers").delete()
    call_command("setup_roles")
    out = capsys.readouterr().out
    assert "Editors: + glossary.add_faq" in out and "Editors: - glossary.delete_term" in out
    assert "Publishers: + glossary.publish_term" in out
    assert held("Editors") == EDITORS and held("Publishers") == PUBLISHERS
    call_command("setup_roles")
    assert capsys.readouterr().out == "Editors: up to date.\nPublishers: up to date.\n"


class TestEditor:
    def test_adds_a_draft_whatever_status_is_sent(self, as_role):
        editor = as_role("Editors")
        response = editor.post("/admin/glossary/term/add/", term_form(status="published"))
        assert response.status_code == 302
        assert Term.objects.get(slug="ito").status == Term.Status.DRAFT

    def test_changes_a_draft_and_proposes_changes_to_a_term_readers_can_see(self, as_role):
        draft, live, later = factories.draft(slug="draft"), factories.term(slug="live"), factories.scheduled()
        editor = as_role("Editors")
        saved = editor.post(
            f"/admin/glossary/term/{draft.pk}/change/", term_form(slug="draft", headword="Edited")
        )
        assert saved.status_code == 302
        for term in (live, later):
            proposed = editor.post(
                f"/admin/glossary/term/{term.pk}/change/", term_form(slug=term.slug, headword="X")
            )
            assert proposed.status_code == 302
            assert Revision.objects.pending().get(term=term).entry["headword"] == "X"
        assert Term.objects.get(pk=draft.pk).headword == "Edited"
        assert Term.objects.filter(headword="X").count() == 0  # until a publisher approves

    def test_cannot_publish_unpublish_or_delete(self, as_role):
        draft, live = factories.draft(), factories.term()
        editor = as_role("Editors")
        offered = dict(editor.get("/admin/glossary/term/").context["action_form"].fields["action"].choices)
        assert set(offered) - {""} == {"submit_for_review", "mark_reviewed"}  # the latter as a steward
        for action in ("publish", "unpublish", "delete_selected"):
            editor.post(
                "/admin/glossary/term/",
                {"action": action, "_selected_action": [draft.pk, live.pk], "post": "yes"},
            )
        assert editor.post(f"/admin/glossary/term/{draft.pk}/delete/", {"post": "yes"}).status_code == 403
        draft.refresh_from_db(), live.refresh_from_db()
        assert not draft.is_published() and live.is_published()

    def test_removes_a_faq_entry_of_a_draft(self, as_role):
        draft = factories.draft(slug="ito")
        faq = factories.faq(draft)
        editor = as_role("Editors")
        data = term_form() | {
            "faqs-TOTAL_FORMS": "1",
            "faqs-INITIAL_FORMS": "1",
            "faqs-0-id": str(faq.pk),
            "faqs-0-term": str(draft.pk),
            "faqs-0-question": faq.question,
            "faqs-0-answer": faq.answer,
            "faqs-0-position": "0",
            "faqs-0-DELETE": "on",
        }
        assert editor.post(f"/admin/glossary/term/{draft.pk}/change/", data).status_code == 302
        assert not draft.faqs.exists()


class TestPublisher:
    def test_publishes_changes_and_deletes(self, as_role):
        draft, live = factories.draft(), factories.term(slug="live")
        publisher = as_role("Publishers")
        publisher.post("/admin/glossary/term/", {"action": "publish", "_selected_action": [draft.pk]})
        draft.refresh_from_db()
        assert draft.is_published()
        saved = publisher.post(
            f"/admin/glossary/term/{live.pk}/change/", term_form(slug="live", status="published")
        )
        assert saved.status_code == 302
        assert Revision.objects.pending().get(term=live).entry["headword"] == "ITO"  # another approves
        assert publisher.post(f"/admin/glossary/term/{draft.pk}/delete/", {"post": "yes"}).status_code == 302
        assert not Term.objects.filter(pk=draft.pk).exists()

    def test_publishing_and_unpublishing_are_recorded_in_each_terms_history(self, as_role):
        draft = factories.draft(headword="Nearshoring", aliases=["nearshore outsourcing", "near-shoring"])
        publisher = as_role("Publishers")
        # From a list searched through aliases (a DISTINCT query, which PostgreSQL cannot lock).
        publish = {"action": "publish", "_selected_action": [draft.pk]}
        assert publisher.post("/admin/glossary/term/?q=near", publish).status_code == 302
        publisher.post("/admin/glossary/term/", {"action": "unpublish", "_selected_action": [draft.pk]})
        history = publisher.get(f"/admin/glossary/term/{draft.pk}/history/")
        entries = [
            (revision.author.username, revision.get_action_display())
            for revision in history.context["page_obj"]
        ]
        assert entries == [("publishers", "Moved back to draft"), ("publishers", "Published")]
        draft.refresh_from_db()
        assert draft.status == Term.Status.DRAFT and draft.published_at is not None
