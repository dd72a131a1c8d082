"""No lost edits: two editors open the same term; the second to save is told what changed, keeps
their input, and saves again only on purpose. Renamed terms keep their old addresses."""

import pytest

from glossary.models import OldAddress, Term

from . import factories
from .admin_registry import form_data
from .editorial import member, opened, save, signed_in
from .test_editor_admin import errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editors(db):
    return signed_in(member("Editors", "ana")), signed_in(member("Editors", "ben"))


@pytest.fixture
def draft(db):
    term = factories.draft(headword="KPO", slug="kpo", definition="Knowledge work, outsourced.")
    factories.faq(term, question="Who does it?", answer="Analysts.")
    return term


def test_the_second_save_of_the_form_is_refused_and_says_what_changed(two_editors, draft):
    ana, ben = two_editors
    ana_form, ben_form = opened(ana, draft), opened(ben, draft)
    assert save(ana, draft, ana_form, definition="Ana's definition.").status_code == 302
    response = save(ben, draft, ben_form, definition="Ben's definition.", body="Ben's body.")
    assert response.status_code == 200
    found = " ".join(errors(response))
    assert "Someone saved this term since you opened it" in found
    assert "Definition: now “Ana's definition.”" in found
    # Ben's input is still in the form, and nothing of his was written.
    page = response.content.decode()
    assert "Ben&#x27;s definition." in page and "Ben&#x27;s body." in page
    assert Term.objects.get(pk=draft.pk).definition == "Ana's definition."


def test_saving_again_after_the_conflict_keeps_the_second_version(two_editors, draft):
    ana, ben = two_editors
    ana_form, ben_form = opened(ana, draft), opened(ben, draft)
    save(ana, draft, ana_form, definition="Ana's definition.")
    response = save(ben, draft, ben_form, definition="Ben's definition.")
    again = form_data(response, "term_form")
    assert save(ben, draft, again).status_code == 302
    assert Term.objects.get(pk=draft.pk).definition == "Ben's definition."


def test_a_change_to_an_inline_is_a_conflict_too(two_editors, draft):
    ana, ben = two_editors
    ana_form, ben_form = opened(ana, draft), opened(ben, draft)
    save(ana, draft, ana_form, **{"faqs-0-answer": "Ana's answer."})
    response = save(ben, draft, ben_form, **{"faqs-0-answer": "Ben's answer."})
    assert response.status_code == 200
    assert "FAQ: now “Who does it?”" in " ".join(errors(response))
    assert list(draft.faqs.values_list("answer", flat=True)) == ["Ana's answer."]


def test_a_change_proposed_meanwhile_is_a_conflict(db):
    published = factories.term(headword="BPO", slug="bpo")
    ana, ben = signed_in(member("Editors", "ana")), signed_in(member("Editors", "ben"))
    ana_form, ben_form = opened(ana, published), opened(ben, published)
    save(ana, published, ana_form, definition="Ana's proposal.")
    response = save(ben, published, ben_form, definition="Ben's proposal.")
    assert response.status_code == 200
    assert "ana proposed a change for review" in " ".join(errors(response))


def test_a_tampered_form_is_refused_with_a_message(two_editors, draft):
    ana, _ = two_editors
    response = save(ana, draft, opened(ana, draft), seen="not a signed value", definition="Anything.")
    assert response.status_code == 200
    assert "could not be checked" in " ".join(errors(response))
    assert Term.objects.get(pk=draft.pk).definition == "Knowledge work, outsourced."


class TestOldAddresses:
    def test_old_slugs_redirect_after_two_renames(self, client):
        term = factories.term(headword="Call center", slug="call-center")
        for slug in ("call-centre", "contact-center"):
            term.slug = slug
            term.save()
        for old in ("call-center", "call-centre"):
            response = client.get(f"/terms/{old}/")
            assert response.status_code == 301 and response["Location"] == "/terms/contact-center/"
        assert client.get("/terms/contact-center/").status_code == 200

    def test_a_rename_through_review_redirects_once_approved(self, client, admin_client, committed):
        term = factories.term(headword="Call center", slug="call-center")
        save(admin_client, term, opened(admin_client, term), slug="call-centre")
        assert client.get("/terms/call-center/").status_code == 200  # still the approved version
        with committed():
            admin_client.post(f"/admin/glossary/term/{term.pk}/review/", {"decision": "approve"})
        response = client.get("/terms/call-center/")
        assert response.status_code == 301 and response["Location"] == "/terms/call-centre/"

    def test_a_draft_s_old_address_is_404_for_readers(self, client):
        term = factories.draft(slug="draft-term")
        term.slug = "draft-renamed"
        term.save()
        assert client.get("/terms/draft-term/").status_code == 404

    def test_taking_another_terms_old_address_needs_a_tick(self, client, admin_client):
        old = factories.term(headword="Call center", slug="call-center")
        old.slug = "call-centre"
        old.save()
        other = factories.draft(headword="Telephone desk", slug="telephone-desk")
        response = save(admin_client, other, opened(admin_client, other), slug="call-center")
        assert response.status_code == 200
        assert "was the address of Call center" in " ".join(errors(response))
        assert Term.objects.get(pk=other.pk).slug == "telephone-desk"
        response = save(
            admin_client, other, opened(admin_client, other), slug="call-center", take_old_address="on"
        )
        assert response.status_code == 302
        assert Term.objects.get(pk=other.pk).slug == "call-center"
        # Old links still lead to Call center while the new owner is a draft; then to it.
        assert client.get("/terms/call-center/")["Location"] == "/terms/call-centre/"
        admin_client.post("/admin/glossary/term/", {"action": "publish", "_selected_action": [other.pk]})
        assert not OldAddress.objects.filter(slug="call-center").exists()

    def test_a_term_takes_its_own_old_address_back_without_a_warning(self, admin_client):
        term = factories.term(slug="first")
        term.slug = "second"
        term.save()
        term.slug = "first"
        term.save()
        assert list(OldAddress.objects.values_list("slug", flat=True)) == ["second"]
        draft = factories.draft(slug="draft-one")
        draft.slug = "draft-two"
        draft.save()
        response = save(admin_client, draft, opened(admin_client, draft), slug="draft-one")
        assert response.status_code == 302  # no warning: it was its own
