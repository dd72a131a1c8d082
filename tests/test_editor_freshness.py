"""Publishers keep the content fresh and its hierarchy sound: stewards, reviews, relations."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from glossary.models import Term, TermRelation

from . import factories
from .editorial import change_url, member, opened, save, signed_in

pytestmark = pytest.mark.django_db

LIST = "/admin/glossary/term/"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def ages():
    return {
        "fresh": factories.term(headword="Fresh", reviewed_at=ago(30)),
        "stale": factories.term(headword="Stale", reviewed_at=ago(400)),
        "never": factories.term(headword="Never"),
    }


def listed(client, query):
    page = client.get(f"{LIST}?{query}")
    assert page.status_code == 200
    return {term.headword for term in page.context["cl"].result_list}


def test_the_review_due_filter_lists_terms_never_reviewed_or_reviewed_over_a_year_ago(ages):
    assert listed(signed_in(member("Editors")), "reviewed=due") == {"Stale", "Never"}


def test_review_due_follows_the_interval_setting(ages, settings):
    settings.GLOSSARY_REVIEW_INTERVAL = timedelta(days=7)
    assert listed(signed_in(member("Editors")), "reviewed=due") == {"Fresh", "Stale", "Never"}


def test_a_steward_filters_the_terms_due_that_they_look_after(ages):
    editor = member("Editors")
    Term.objects.filter(headword="Stale").update(steward=editor)
    assert listed(signed_in(editor), "reviewed=mine") == {"Stale"}


def test_an_unknown_filter_value_lists_every_term(ages):
    assert listed(signed_in(member("Editors")), "reviewed=nonsense") == {"Fresh", "Stale", "Never"}


def mark(client, *terms):
    return client.post(
        LIST, {"action": "mark_reviewed", "_selected_action": [term.pk for term in terms]}, follow=True
    )


def test_a_publisher_marks_terms_as_reviewed_and_readers_see_the_date(client, ages):
    publisher = member("Publishers")
    page = mark(signed_in(publisher), ages["stale"], ages["never"])
    assert "Marked 2 term(s) as reviewed today." in page.content.decode()
    for name in ("stale", "never"):
        term = Term.objects.get(pk=ages[name].pk)
        assert term.reviewed_by == publisher and timezone.now() - term.reviewed_at < timedelta(minutes=1)
        assert not term.is_review_due()
    article = client.get(ages["never"].get_absolute_url()).content.decode()
    assert (
        f'Last reviewed <time datetime="{Term.objects.get(pk=ages["never"].pk).reviewed_at:%Y-%m-%d}'
        in article
    )


def test_an_editor_marks_only_the_terms_they_are_the_steward_of(ages):
    editor = member("Editors")
    Term.objects.filter(pk=ages["stale"].pk).update(steward=editor)
    page = mark(signed_in(editor), ages["stale"], ages["never"])
    assert "Marked 1 term(s) as reviewed today." in page.content.decode()
    assert "Only a publisher or a term&#x27;s steward marks it as reviewed." in page.content.decode()
    assert Term.objects.get(pk=ages["never"].pk).reviewed_at is None


def test_an_article_never_reviewed_says_nothing_of_reviews(client, ages):
    assert "Last reviewed" not in client.get(ages["never"].get_absolute_url()).content.decode()


def test_the_form_offers_staff_as_stewards_and_shows_the_last_review(ages):
    User.objects.create_user("reader", password="x-not-used-1")
    publisher = member("Publishers")
    client = signed_in(publisher)
    page = client.get(change_url(ages["never"]))
    choices = {str(user) for user in page.context["adminform"].form.fields["steward"].queryset}
    assert choices == {"publishers"}
    assert "Never: use “Mark selected terms as reviewed”" in page.content.decode()
    term = factories.draft(headword="Draft")
    response = save(client, term, opened(client, term), steward=str(publisher.pk))
    assert response.status_code == 302
    assert Term.objects.get(pk=term.pk).steward == publisher


def test_a_steward_who_is_not_staff_is_refused():
    reader = User.objects.create_user("reader", password="x-not-used-1")
    client = signed_in(member("Publishers"))
    term = factories.draft(headword="Draft")
    response = save(client, term, opened(client, term), steward=str(reader.pk))
    assert response.status_code == 200
    assert "steward" in response.context["adminform"].form.errors


def relate(from_term, to_term, kind):
    relation = TermRelation(from_term=from_term, to_term=to_term, kind=kind)
    relation.full_clean()
    relation.save()
    return relation


def test_broader_relations_may_not_form_a_cycle_entered_from_either_side():
    a, b, c = (factories.term(headword=name) for name in ("Alpha", "Beta", "Gamma"))
    relate(a, b, TermRelation.Kind.NARROWER)  # Alpha is broader than Beta
    relate(c, b, TermRelation.Kind.BROADER)  # Beta is broader than Gamma
    with pytest.raises(ValidationError) as refused:
        relate(a, c, TermRelation.Kind.BROADER)  # Gamma broader than Alpha: a loop
    loop = "Alpha → Beta → Gamma → Alpha"
    assert refused.value.message_dict["kind"] == [
        f"This would make a term broader than itself: {loop}, each broader than the next."
    ]
    relate(a, c, TermRelation.Kind.NARROWER)  # Alpha broader than Gamma too: no loop
    relate(a, factories.term(headword="Delta"), TermRelation.Kind.SEE_ALSO)


def test_a_pair_may_not_be_both_broader_and_see_also():
    a, b = factories.term(headword="Alpha"), factories.term(headword="Beta")
    relate(a, b, TermRelation.Kind.BROADER)
    for from_term, to_term in ((a, b), (b, a)):
        with pytest.raises(ValidationError):
            relate(from_term, to_term, TermRelation.Kind.SEE_ALSO)


def test_the_relations_inline_refuses_a_cycle_with_the_message():
    a, b, c = (factories.draft(headword=name) for name in ("Alpha", "Beta", "Gamma"))
    relate(a, b, TermRelation.Kind.NARROWER)
    relate(b, c, TermRelation.Kind.NARROWER)
    client = signed_in(member("Publishers"))
    data = opened(client, c)
    data["relations_out-0-to_term"] = [str(a.pk)]
    data["relations_out-0-kind"] = ["narrower"]
    response = save(client, c, data)
    assert response.status_code == 200
    assert (
        "This would make a term broader than itself: Alpha → Beta → Gamma → Alpha"
        in response.content.decode()
    )
    assert not TermRelation.objects.filter(from_term=c).exists()
