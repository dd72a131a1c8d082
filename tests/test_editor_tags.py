"""Editors merge tags through the project's own tag admin: it needs change and delete permission,
moves the terms' tags in one step and records the edit."""

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from taggit.models import Tag

from editorial.models import Revision
from glossary.models import TaggedTerm

from . import factories
from .admin_registry import form_data, staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/taggit/tag/"


@pytest.fixture
def tagged():
    """Three terms over two spellings of one tag; one carries both."""
    a = factories.term(tags=["call centre"])
    b = factories.term(tags=["call center"])
    both = factories.term(tags=["call centre", "call center"])
    return {
        "a": a,
        "b": b,
        "both": both,
        "centre": Tag.objects.get(name="call centre"),
        "center": Tag.objects.get(name="call center"),
    }


def merge(client, tags, into=None):
    data = {"action": "merge", "_selected_action": [tag.pk for tag in tags], "index": "0"}
    if into is not None:
        data |= {"merge": "Merge", "into": into}
    return client.post(CHANGELIST, data)


def tag_editor(username, *codenames):
    return staff(
        username, Permission.objects.filter(content_type__app_label="taggit", codename__in=codenames)
    )


def test_merge_asks_which_tag_to_keep_then_moves_every_term(admin_client, admin_user, tagged):
    centre, center = tagged["centre"], tagged["center"]
    page = merge(admin_client, [centre, center])
    assert page.status_code == 200 and "Keep this tag" in page.content.decode()
    assert Tag.objects.count() == 2  # nothing changes before the choice

    # Submitted as the page draws it: the tag to keep chosen, the Merge button pressed.
    response = admin_client.post(
        CHANGELIST, {**form_data(page, "merge-form"), "into": center.pk, "merge": "Merge"}
    )
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["call center"]
    for term in tagged["a"], tagged["b"], tagged["both"]:
        assert list(term.tags.names()) == ["call center"]
    assert TaggedTerm.objects.filter(content_object=tagged["both"]).count() == 1
    history = LogEntry.objects.filter(user=admin_user)
    revisions = Revision.objects.filter(author=admin_user, message__startswith="Tags merged")
    assert set(revisions.values_list("term_key", flat=True)) == {tagged["a"].pk, tagged["both"].pk}
    assert revisions.get(term=tagged["a"]).entry["tags"] == ["call center"]
    assert history.filter(action_flag=DELETION, object_repr="call centre").exists()
    assert history.filter(action_flag=CHANGE, object_repr="call center").exists()


def test_a_tag_outside_the_selection_cannot_be_the_one_kept(admin_client, tagged):
    outsider = Tag.objects.create(name="elsewhere", slug="elsewhere")
    for into in (outsider.pk, "abc", ""):
        response = merge(admin_client, [tagged["centre"], tagged["center"]], into=into)
        assert response.status_code == 200, into
        assert response.context["form"].errors
    assert Tag.objects.count() == 3


@pytest.mark.parametrize("selected", [0, 1])
def test_merging_fewer_than_two_tags_is_refused_with_a_message(admin_client, tagged, selected):
    tags = [tagged["centre"]][:selected]
    data = {"action": "merge", "_selected_action": [tag.pk for tag in tags], "index": "0"}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Select two or more tags to merge."
        if selected
        else "Items must be selected in order to perform actions on them. No items have been changed."
    ]
    assert Tag.objects.count() == 2


@pytest.mark.parametrize(
    "codenames",
    [(), ("view_tag",), ("view_tag", "change_tag"), ("view_tag", "delete_tag")],
    ids=["no permission", "view only", "change only", "delete only"],
)
def test_merge_needs_change_and_delete_permission(client, tagged, codenames):
    client.force_login(tag_editor("someone", *codenames))
    merge(client, [tagged["centre"], tagged["center"]], into=tagged["center"].pk)
    assert Tag.objects.count() == 2
    assert list(tagged["a"].tags.names()) == ["call centre"]


def test_an_editor_with_change_and_delete_permission_merges(client, tagged):
    client.force_login(tag_editor("curator", "view_tag", "change_tag", "delete_tag"))
    assert merge(client, [tagged["centre"], tagged["center"]], into=tagged["centre"].pk).status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["call centre"]


def test_taggits_own_merge_view_is_gone(client, tagged):
    client.force_login(tag_editor("viewer", "view_tag"))
    response = client.post(f"{CHANGELIST}merge-tags/", {"new_tag_name": "x"})
    assert response.status_code in (302, 404)
    assert Tag.objects.count() == 2


def test_tag_names_follow_the_tag_rules(admin_client):
    for name, message in [
        ("x" * 91, "at most 90 characters"),
        ("!!!", "needs a letter or digit"),
        ("evil\u202etag", "invisible control characters"),
    ]:
        response = admin_client.post(f"{CHANGELIST}add/", {"name": name, "slug": "a-slug"})
        assert response.status_code == 200
        assert message in str(response.context["adminform"].form.errors["name"]), name
    assert not Tag.objects.exists()
