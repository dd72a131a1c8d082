"""Review before readers see it: drafts go through review, changes to published terms wait for a
publisher, four eyes, deprecation; through the admin as an editor, a publisher and a superuser."""

import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from editorial.models import Revision
from glossary.models import Term

from . import factories
from .editorial import change_url, member, opened, save, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    editor, publisher = member("Editors"), member("Publishers")
    other = member("Publishers", "second publisher")
    return {"editor": editor, "publisher": publisher, "other": other}


@pytest.fixture
def bpo(db):
    bpo = factories.term(headword="BPO", slug="bpo", definition="The approved definition.")
    factories.faq(bpo, question="What is it?", answer="The approved answer.")
    return bpo


def review_url(term):
    return reverse("admin:glossary_term_review", args=[term.pk])


def proposed_by_editor(team, bpo, **changes):
    editor = signed_in(team["editor"])
    response = save(editor, bpo, opened(editor, bpo), **changes)
    assert response.status_code == 302
    return Revision.objects.pending().get(term=bpo)


class TestChangesToPublishedTerms:
    def test_an_editors_change_waits_and_readers_keep_the_approved_text(self, client, team, bpo):
        proposed = proposed_by_editor(
            team, bpo, definition="A proposed definition.", **{"faqs-0-answer": "A proposed answer."}
        )
        assert proposed.author == team["editor"] and proposed.action == "proposed"
        bpo.refresh_from_db()
        assert bpo.definition == "The approved definition."
        page = client.get("/terms/bpo/").content.decode()
        assert "The approved definition." in page and "A proposed definition." not in page
        assert "The approved answer." in page

    def test_the_editor_is_told_the_change_awaits_review(self, team, bpo):
        editor = signed_in(team["editor"])
        response = save(editor, bpo, opened(editor, bpo), definition="A proposed definition.")
        page = editor.get(response["Location"]).content.decode()
        assert "awaits review" in page

    def test_staff_preview_the_pending_change_at_the_reader_address(self, client, team, bpo):
        proposed = proposed_by_editor(team, bpo, definition="A proposed definition.")
        publisher = signed_in(team["publisher"])
        page = publisher.get(f"/terms/bpo/?preview={proposed.number}")
        assert page.status_code == 200
        text = page.content.decode()
        assert "A proposed definition." in text and "Preview of change" in text
        assert "no-cache" in page["Cache-Control"]
        # The preview wrote nothing: readers and the database still have the approved text.
        assert Term.objects.get(pk=bpo.pk).definition == "The approved definition."
        assert "The approved definition." in client.get("/terms/bpo/").content.decode()

    def test_readers_asking_for_a_preview_get_the_published_page(self, client, team, bpo):
        proposed = proposed_by_editor(team, bpo, definition="A proposed definition.")
        page = client.get(f"/terms/bpo/?preview={proposed.number}").content.decode()
        assert "The approved definition." in page and "A proposed definition." not in page

    @pytest.mark.parametrize("number", ["999", "abc", "9" * 30, ""])
    def test_a_preview_of_no_such_change_is_404(self, team, bpo, number):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        assert signed_in(team["publisher"]).get(f"/terms/bpo/?preview={number}").status_code == 404

    def test_a_publisher_approves_and_readers_see_the_change(self, client, team, bpo):
        proposed_by_editor(
            team, bpo, definition="A proposed definition.", **{"faqs-0-answer": "A proposed answer."}
        )
        publisher = signed_in(team["publisher"])
        review = publisher.get(review_url(bpo)).content.decode()
        assert "A proposed definition." in review and "Approve the change" in review
        response = publisher.post(review_url(bpo), {"decision": "approve"})
        assert response.status_code == 302
        page = client.get("/terms/bpo/").content.decode()
        assert "A proposed definition." in page and "A proposed answer." in page
        assert Revision.objects.filter(term=bpo, action="approved", author=team["publisher"]).exists()
        assert Revision.objects.get(action="proposed").state == "approved"

    def test_rejecting_keeps_the_published_version_and_the_comment(self, client, team, bpo):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        publisher = signed_in(team["publisher"])
        publisher.post(review_url(bpo), {"decision": "reject", "comment": "Cite a source first."})
        assert "The approved definition." in client.get("/terms/bpo/").content.decode()
        rejected = Revision.objects.get(term=bpo, action="rejected")
        assert rejected.message == "Cite a source first." and rejected.author == team["publisher"]
        desk = signed_in(team["editor"]).get(reverse("admin:index")).content.decode()
        assert "Cite a source first." in desk

    def test_editors_cannot_approve_or_reject(self, team, bpo):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        editor = signed_in(team["editor"])
        assert "Approve the change" not in editor.get(review_url(bpo)).content.decode()
        for decision in ("approve", "reject"):
            assert editor.post(review_url(bpo), {"decision": decision}).status_code == 403
        assert Revision.objects.get(action="proposed").is_pending()

    def test_a_publisher_cannot_approve_their_own_change(self, team, bpo):
        publisher = signed_in(team["publisher"])
        save(publisher, bpo, opened(publisher, bpo), definition="My own change.")
        assert "another publisher approves it" in publisher.get(review_url(bpo)).content.decode()
        publisher.post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "The approved definition."
        assert Revision.objects.get(action="proposed").is_pending()
        signed_in(team["other"]).post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "My own change."

    @override_settings(GLOSSARY_SELF_APPROVAL=True)
    def test_self_approval_when_the_setting_allows_it(self, team, bpo):
        publisher = signed_in(team["publisher"])
        save(publisher, bpo, opened(publisher, bpo), definition="My own change.")
        publisher.post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "My own change."

    def test_superusers_may_approve_their_own_change(self, admin_client, bpo):
        save(admin_client, bpo, opened(admin_client, bpo), definition="The superuser's change.")
        admin_client.post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "The superuser's change."

    def test_a_second_change_supersedes_the_first_which_stays_in_history(self, team, bpo):
        first = proposed_by_editor(team, bpo, definition="First proposal.")
        publisher = signed_in(team["publisher"])
        save(publisher, bpo, opened(publisher, bpo), definition="Second proposal.")
        first.refresh_from_db()
        assert first.state == "superseded"
        assert Revision.objects.pending().get().entry["definition"] == "Second proposal."

    def test_a_proposed_change_does_not_change_the_content_version(self, team, bpo, committed):
        from glossary.cache import current_version

        with committed():
            pass  # the fixtures' writes
        before = current_version().token
        with committed():
            proposed_by_editor(team, bpo, definition="A proposed definition.")
        assert current_version().token == before

    def test_the_review_queue_lists_what_awaits_review(self, team, bpo):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        factories.term(headword="Untouched")
        publisher = signed_in(team["publisher"])
        listed = publisher.get(reverse("admin:glossary_term_changelist"), {"review": "awaiting"})
        assert [term.headword for term in listed.context["cl"].result_list] == ["BPO"]
        desk = publisher.get(reverse("admin:index")).content.decode()
        assert (
            'id="desk-to-review"' in desk
            and "BPO" in desk.split('id="desk-to-review"')[1].split("</table>")[0]
        )

    def test_a_bad_review_comment_is_a_message_not_a_500(self, team, bpo):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        publisher = signed_in(team["publisher"])
        response = publisher.post(review_url(bpo), {"decision": "reject", "comment": "x" * 5000}, follow=True)
        assert response.status_code == 200 and "at most 1000 characters" in response.content.decode()
        assert Revision.objects.get(action="proposed").is_pending()
        response = publisher.post(review_url(bpo), {"decision": "nonsense"}, follow=True)
        assert "Nothing awaits" in response.content.decode()


class TestDraftsThroughReview:
    def test_submit_then_publish(self, client, team):
        draft = factories.draft(headword="New term", slug="new-term")
        editor = signed_in(team["editor"])
        editor.post(
            reverse("admin:glossary_term_changelist"),
            {"action": "submit_for_review", "_selected_action": [draft.pk]},
        )
        draft.refresh_from_db()
        assert draft.status == "in_review"
        assert client.get("/terms/new-term/").status_code == 404
        signed_in(team["publisher"]).post(review_url(draft), {"decision": "approve"})
        assert client.get("/terms/new-term/").status_code == 200
        actions = list(Revision.objects.of_term(draft.pk).order_by("number").values_list("action", flat=True))
        assert actions == ["submitted", "published"]

    def test_send_back_with_a_comment(self, team):
        draft = factories.draft(headword="New term")
        editor = signed_in(team["editor"])
        editor.post(
            reverse("admin:glossary_term_changelist"),
            {"action": "submit_for_review", "_selected_action": [draft.pk]},
        )
        signed_in(team["publisher"]).post(
            review_url(draft), {"decision": "send_back", "comment": "Too short."}
        )
        draft.refresh_from_db()
        assert draft.status == "draft"
        assert Revision.objects.get(action="sent_back").message == "Too short."

    def test_a_publisher_does_not_publish_what_they_wrote(self, team):
        publisher = signed_in(team["publisher"])
        response = publisher.post(
            reverse("admin:glossary_term_add"), {**_add_form(), "status": "published"}, follow=True
        )
        assert "another publisher publishes what you wrote" in response.content.decode()
        term = Term.objects.get()
        assert term.status == "in_review"
        term.status = "draft"
        term.save()
        publisher.post(
            reverse("admin:glossary_term_changelist"), {"action": "publish", "_selected_action": [term.pk]}
        )
        term.refresh_from_db()
        assert term.status == "draft"
        signed_in(team["other"]).post(
            reverse("admin:glossary_term_changelist"), {"action": "publish", "_selected_action": [term.pk]}
        )
        term.refresh_from_db()
        assert term.is_published()


def _add_form():
    from .test_editor_admin import term_form

    return term_form()


class TestDeprecation:
    def test_readers_see_the_notice_and_the_replacement(self, client, team, bpo):
        newer = factories.term(headword="Business process services", slug="bps")
        publisher = signed_in(team["publisher"])
        url = reverse("admin:glossary_term_deprecate", args=[bpo.pk])
        response = publisher.post(url, {"replaced_by": "bps", "comment": "Renamed by the industry."})
        assert response.status_code == 302
        page = client.get("/terms/bpo/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "This term is deprecated." in text and newer.get_absolute_url() in text
        assert Revision.objects.get(action="deprecated").message == "Renamed by the industry."

    @pytest.mark.parametrize("replacement", ["no-such-term", "bpo", "x" * 200])
    def test_an_unknown_replacement_is_a_form_error(self, team, bpo, replacement):
        publisher = signed_in(team["publisher"])
        response = publisher.post(
            reverse("admin:glossary_term_deprecate", args=[bpo.pk]), {"replaced_by": replacement}
        )
        assert response.status_code == 200 and response.context["form"].errors
        bpo.refresh_from_db()
        assert not bpo.is_deprecated()

    def test_editors_cannot_deprecate(self, team, bpo):
        editor = signed_in(team["editor"])
        assert editor.post(reverse("admin:glossary_term_deprecate", args=[bpo.pk]), {}).status_code == 403
        bpo.refresh_from_db()
        assert not bpo.is_deprecated()


def test_the_change_form_says_a_change_awaits_review(team, bpo):
    proposed_by_editor(team, bpo, definition="A proposed definition.")
    page = signed_in(team["publisher"]).get(change_url(bpo)).content.decode()
    assert "awaits review" in page and review_url(bpo) in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_scheduled_approval_goes_live_on_time_without_a_scheduler(client, team, bpo):
    """Real commits, as in production: the change goes live at the first request after its date."""
    proposed = proposed_by_editor(team, bpo, definition="Scheduled words.")
    goes_live = timezone.now() + timedelta(seconds=2)
    publisher = signed_in(team["publisher"])
    publisher.post(
        review_url(bpo), {"decision": "approve", "goes_live_at": goes_live.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    proposed.refresh_from_db()
    assert proposed.state == "scheduled" and proposed.goes_live_at == goes_live.replace(microsecond=0)
    page = client.get("/terms/bpo/").content.decode()
    assert "The approved definition." in page  # cached, too
    time.sleep(max(0.0, (proposed.goes_live_at - timezone.now()).total_seconds()) + 0.2)
    page = client.get("/terms/bpo/").content.decode()
    assert "Scheduled words." in page
    proposed.refresh_from_db()
    assert proposed.state == "approved"
    assert Revision.objects.filter(term=bpo, message__contains="went live as scheduled").exists()


def test_a_bad_publication_date_is_refused_with_a_message(team, bpo):
    proposed_by_editor(team, bpo, definition="A proposed definition.")
    publisher = signed_in(team["publisher"])
    for value in ("tomorrow", "2026-13-45T99:99", "x" * 300):
        response = publisher.post(
            review_url(bpo), {"decision": "approve", "goes_live_at": value}, follow=True
        )
        assert response.status_code == 200 and "Nothing was decided" in response.content.decode()
    assert Revision.objects.get(action="proposed").is_pending()


def test_the_review_page_and_the_desk_do_not_ask_more_with_more_revisions(
    team, bpo, django_assert_max_num_queries
):
    from editorial.services import record

    proposed_by_editor(team, bpo, definition="A proposed definition.")
    publisher = signed_in(team["publisher"])
    pages = {review_url(bpo): REVIEW_PAGE_QUERIES, reverse("admin:index"): DESK_QUERIES}
    for url, bound in pages.items():
        with django_assert_max_num_queries(bound):
            assert publisher.get(url).status_code == 200
    for n in range(40):
        record(term=factories.term(), by=member("Editors", f"writer {n}"), action="changed")
    for url, bound in pages.items():
        with django_assert_max_num_queries(bound):
            assert publisher.get(url).status_code == 200


REVIEW_PAGE_QUERIES = 17  # session, user, permissions, the term, its entry (7), what awaits, messages
# Session, user, permissions, the four lists, Django's recent actions, and the content report's
# checks (editorial.quality), once per content version.
DESK_QUERIES = 20


class TestWhatAReviewDecides:
    """A decision is about what the publisher saw, and what was decided stays decided."""

    def test_an_editors_save_does_not_cancel_a_scheduled_approval(self, team, bpo):
        proposed = proposed_by_editor(team, bpo, definition="For Monday.")
        later = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        signed_in(team["publisher"]).post(review_url(bpo), {"decision": "approve", "goes_live_at": later})
        editor = signed_in(team["editor"])
        save(editor, bpo, opened(editor, bpo))  # nothing changed
        save(editor, bpo, opened(editor, bpo), body="Another idea.")
        proposed.refresh_from_db()
        assert proposed.state == "scheduled"

    def test_saving_a_published_term_unchanged_proposes_nothing(self, team, bpo):
        editor = signed_in(team["editor"])
        response = save(editor, bpo, opened(editor, bpo))
        assert response.status_code == 302
        assert not Revision.objects.pending().exists()

    def test_unpublishing_supersedes_what_was_proposed_for_the_published_version(self, team, bpo):
        proposed = proposed_by_editor(team, bpo, definition="A proposed definition.")
        signed_in(team["publisher"]).post(
            reverse("admin:glossary_term_changelist"), {"action": "unpublish", "_selected_action": [bpo.pk]}
        )
        proposed.refresh_from_db()
        assert proposed.state == "superseded"

    def test_a_decision_about_an_older_page_is_refused(self, team, bpo):
        proposed_by_editor(team, bpo, definition="First proposal.")
        publisher = signed_in(team["publisher"])
        shown = publisher.get(review_url(bpo)).context["form"].initial["shown"]
        proposed_by_editor(team, bpo, definition="Second proposal, unseen.")
        response = publisher.post(review_url(bpo), {"decision": "approve", "shown": shown}, follow=True)
        assert "changed since this page was drawn" in response.content.decode()
        assert Term.objects.get(pk=bpo.pk).definition == "The approved definition."

    def test_publishing_in_the_form_with_an_inline_change_of_ones_own_goes_to_review(self, team):
        draft = factories.draft(headword="New term", slug="new-term")
        publisher = signed_in(team["publisher"])
        data = opened(publisher, draft)
        response = save(
            publisher,
            draft,
            data,
            status="published",
            **{
                "faqs-TOTAL_FORMS": "1",
                "faqs-0-question": "Mine?",
                "faqs-0-answer": "Yes.",
                "faqs-0-position": "0",
            },
        )
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.status == "in_review" and draft.faqs.count() == 1

    def test_a_publisher_cannot_approve_their_own_text_restored_by_someone_else(self, team, bpo):
        publisher = signed_in(team["publisher"])
        save(publisher, bpo, opened(publisher, bpo), definition="The publisher's words.")
        mine = Revision.objects.pending().get()
        signed_in(team["other"]).post(review_url(bpo), {"decision": "reject"})
        editor = signed_in(team["editor"])
        editor.post(reverse("admin:glossary_term_restore", args=[bpo.pk, mine.number]))
        publisher.post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "The approved definition."
        signed_in(team["other"]).post(review_url(bpo), {"decision": "approve"})
        assert Term.objects.get(pk=bpo.pk).definition == "The publisher's words."

    @pytest.mark.parametrize("number", ["²", "١"])
    def test_a_preview_number_in_other_digits_is_404(self, team, bpo, number):
        proposed_by_editor(team, bpo, definition="A proposed definition.")
        assert signed_in(team["publisher"]).get(f"/terms/bpo/?preview={number}").status_code == 404

    def test_a_preview_keeps_nothing_for_the_content_version(self, team, bpo):
        from glossary import cache

        proposed = proposed_by_editor(team, bpo, definition="A proposed definition.")
        signed_in(team["publisher"]).get(f"/terms/bpo/?preview={proposed.number}")
        assert not cache.in_process and not cache.near


def test_a_preview_shows_the_proposed_classification(team, bpo):
    onshore = factories.category(slug="onshore", name="Onshore")
    editor = signed_in(team["editor"])
    proposed = save(editor, bpo, opened(editor, bpo), categories=str(onshore.pk))
    assert proposed.status_code == 302
    number = Revision.objects.pending().get().number
    page = signed_in(team["publisher"]).get(f"/terms/bpo/?preview={number}").content.decode()
    assert "Onshore" in page
