"""What the editorial tests share: people in each role, and the term form as a browser sends it."""

from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from .admin_registry import form_data


def member(role, username=None):
    """A staff member of the group `role` ("Editors" or "Publishers")."""
    user = User.objects.create_user(username or role.lower(), password="not-used-here-1", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(term):
    return reverse("admin:glossary_term_change", args=[term.pk])


def opened(client, term):
    """The term's change form as `client` sees it, as POST data ({name: [values]})."""
    response = client.get(change_url(term))
    assert response.status_code == 200
    return form_data(response, "term_form")


def save(client, term, data, **changes):
    """Submit the opened form `data` with `changes` (field: value), as the Save button does."""
    data = {**data, **{name: [value] for name, value in changes.items()}, "_save": ["Save"]}
    return client.post(change_url(term), data)
