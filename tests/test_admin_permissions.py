"""Nobody reaches what their role does not allow: every URL and action of every registered ModelAdmin,
GET and POST, for anonymous visitors, staff without permissions, view-only staff, each role (group)
the project defines and superusers.

Built from the admin registry, so a model, view or action registered later is walked too; a view or
permission the tables below do not know fails the test until its rule is written down here.
"""

import pytest
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from .admin_registry import (
    ADMINS,
    EXAMPLES,
    form_data,
    rolled_back,
    snapshot,
    staff,
    superuser,
    view_permissions,
)

pytestmark = pytest.mark.django_db

# The standard admin views, by URL name suffix, and the model permissions that open them, any one
# of which is enough: (for GET, for POST).
VIEWS = {
    "changelist": ({"view", "change"}, {"view", "change"}),
    "add": ({"add"}, {"add"}),
    "change": ({"view", "change"}, {"change"}),
    "delete": ({"delete"}, {"delete"}),
    "history": ({"view", "change"}, {"view", "change"}),
}
# A set names permissions any one of which is enough; a tuple, permissions all of which are needed.
# Views a ModelAdmin adds of its own, by URL name: what each needs.
CUSTOM_VIEWS = {
    "auth_user_password_change": ({"change"}, {"change"}),
    # Deleted terms are restored by those who may delete them.
    "glossary_term_deleted": ({"delete"}, {"delete"}),
    "glossary_term_undelete": ({"delete"}, {"delete"}),
    # Anyone who sees a term sees what awaits review; only publishers decide.
    "glossary_term_review": ({"view", "change"}, ("view", "publish")),
    "glossary_term_deprecate": ({"publish"}, {"publish"}),
    "glossary_term_compare": ({"view", "change"}, {"view", "change"}),
    "glossary_term_report": ({"view", "change"}, {"view", "change"}),
    "glossary_term_export": ({"view", "change"}, {"view", "change"}),
    # The form's preview renders what it is sent, for anyone who may fill in the form.
    "glossary_term_preview": ({"add", "change"}, {"add", "change"}),
    # An import writes terms, published ones too, and the taxonomy.
    "glossary_term_import": (("add", "change", "publish"), ("add", "change", "publish")),
    "glossary_term_import_confirm": (("add", "change", "publish"), ("add", "change", "publish")),
    # Restoring writes the term (a proposed change, if readers see it).
    "glossary_term_restore": ({"change"}, {"change"}),
}
# Permissions of actions beyond the model's own four: the model permissions each needs, all of them.
CUSTOM_PERMISSIONS = {"merge": {"change", "delete"}}


def holds(user, model_admin, permission):
    """Whether `user` holds the model permission, and the ModelAdmin grants it to anybody at all
    (axes' logs, say, can never be added by hand)."""
    opts = model_admin.opts
    if user is None or not user.is_active or not user.is_staff:
        return False
    granted = getattr(model_admin, f"has_{permission}_permission")(superuser())
    return granted and user.has_perm(f"{opts.app_label}.{get_permission_codename(permission, opts)}")


def may(user, model_admin, permissions):
    every = all if isinstance(permissions, tuple) else any
    return every(holds(user, model_admin, permission) for permission in permissions)


def may_run(user, model_admin, action):
    """An action needs each permission it names (a custom one: each model permission behind it)."""
    needed = set()
    for permission in action.func.allowed_permissions:
        needed |= CUSTOM_PERMISSIONS.get(permission, {permission})
    return all(holds(user, model_admin, permission) for permission in needed)


@pytest.fixture
def roles(db, admin_user):
    """Who is walked: None is an anonymous visitor."""
    people = {
        "anonymous": None,
        "staff without permissions": staff("nobody"),
        "view-only staff": staff("viewer", view_permissions()),
        # Changing without adding or deleting: merging tags, say, needs both change and delete.
        "staff who change only": staff(
            "changer", Permission.objects.filter(codename__regex=r"^(view|change)_")
        ),
        "superuser": admin_user,
    }
    groups = Group.objects.all()
    assert {"Editors", "Publishers"} <= {group.name for group in groups}, "the roles' data migration"
    for group in groups:
        member = staff(f"member of {group.name}")
        member.groups.add(group)
        people[f"role {group.name}"] = member
    return people


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls_of(model, model_admin, obj):
    """(URL, name of its rule) for every named view of the ModelAdmin, on the example row."""
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    for pattern in model_admin.urls:
        if pattern.name is None:  # Django's redirect from <id>/ to <id>/change/
            continue
        suffix = pattern.name.removeprefix(prefix)
        rule = VIEWS.get(suffix) or CUSTOM_VIEWS.get(pattern.name)
        assert rule, f"{pattern.name}: say in CUSTOM_VIEWS which permissions open it"
        args = [obj.pk] * len(pattern.pattern.converters)
        yield reverse(f"admin:{pattern.name}", args=args), rule


def refused(response, user):
    if user is None:
        return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    return response.status_code == 403


def what_to_post(admin_client, url, model):
    """What a browser would send: the page's form as a superuser sees it (so that an allowed POST
    really saves), or a confirmation for pages without one (delete)."""
    data = form_data(admin_client.get(url), f"{model._meta.model_name}_form")
    return {**data, "_save": "Save"} if data else {"post": "yes"}


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_every_view_is_refused_unless_the_role_allows_it(roles, admin_client, model, model_admin):
    obj = EXAMPLES[model]()
    checked = 0
    for url, (get_needs, post_needs) in urls_of(model, model_admin, obj):
        posted = what_to_post(admin_client, url, model)
        for name, user in roles.items():
            for method, needs, data in (("get", get_needs, {}), ("post", post_needs, posted)):
                expected = may(user, model_admin, needs)
                with rolled_back():
                    client = client_for(user)
                    before = None if expected else snapshot()
                    response = getattr(client, method)(url, data)
                    assert refused(response, user) != expected, (
                        f"{method.upper()} {url} as {name}: {response.status_code}, expected "
                        f"{'allowed' if expected else 'refused'}"
                    )
                    assert response.status_code < 500
                    if not expected:
                        assert snapshot() == before, f"{method.upper()} {url} as {name} changed data"
                checked += 1
    assert checked >= len(VIEWS) * len(roles) * 2


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_every_action_runs_only_for_roles_that_may_run_it(roles, model, model_admin, rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.get_actions(request, action_location=ActionLocation.CHANGE_FORM), (
        "an action on the change form: walk it here too"
    )
    actions = model_admin.get_actions(request)
    first, second = EXAMPLES[model](), EXAMPLES[model]()  # two: merging needs them
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for action in actions.values():
        assert getattr(action.func, "allowed_permissions", None), f"{action.name} names no permission"
        for name, user in roles.items():
            # Both steps of an action that asks first (delete's “post”, merge's “into”) at once.
            data = {"action": action.name, helpers.ACTION_CHECKBOX_NAME: [first.pk, second.pk], "post": "yes"}
            data |= {"merge": "Merge", "into": first.pk, "index": "0"}
            expected = may_run(user, model_admin, action)
            with rolled_back():
                client = client_for(user)
                before = snapshot()
                response = client.post(url, data)
                assert response.status_code < 500
                if expected:
                    assert response.status_code in (200, 302) and not refused(response, user), (
                        f"{action.name} as {name}: {response.status_code}"
                    )
                else:
                    assert snapshot() == before, f"{action.name} as {name} changed data"
            if user is not None and may(user, model_admin, VIEWS["changelist"][0]):
                form = client_for(user).get(url).context["action_form"]  # None when none is offered
                offered = dict(form.fields["action"].choices) if form else {}
                assert (action.name in offered) == expected, (
                    f"{action.name} offered to {name}: {not expected}"
                )
