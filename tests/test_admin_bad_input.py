"""No input breaks the admin: nonsense in every field of every add and change form (inlines and
their management forms included), every change-list parameter, every action's selection and every
autocomplete search is an error, a redirect or an empty result, never a 500, and a refused request
changes no row. Built from the admin registry, so what is registered later is walked too."""

import re

import pytest
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.urls import reverse

from editorial.base import Hardened

from .admin_registry import ADMINS, EXAMPLES, form_data, rolled_back, snapshot, superuser

pytestmark = pytest.mark.django_db

BAD = {
    "empty": "",
    "NUL": "a\x00b",
    "100 KB": "x" * 100_000,
    "not a number": "abc",
    "too large": "99999999999999999999",
    "negative": "-1",
}
# A field of an inline's second or later row, or of the blank row its script copies (never read).
INLINE_ROW = re.compile(r".+-([1-9][0-9]*|__prefix__)-.+")
IDS = [model._meta.label for model, _ in ADMINS]
ADDABLE = [
    (model, model_admin) for model, model_admin in ADMINS if model_admin.has_add_permission(superuser())
]
EDITABLE = [(model, model_admin) for model, model_admin in ADMINS if model_admin.list_editable]
# A read-only admin (the revisions' audit trail) has no form to send and no action to run.
CHANGEABLE = [
    (model, model_admin) for model, model_admin in ADMINS if model_admin.has_change_permission(superuser())
]
WITH_ACTIONS = [(model, model_admin) for model, model_admin in ADMINS if model_admin.get_actions(superuser())]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_an_example_and_the_shared_defences():
    assert {model for model, _ in ADMINS} <= set(EXAMPLES)
    assert [model for model, model_admin in ADMINS if not isinstance(model_admin, Hardened)] == []


def fields_to_try(data):
    """Every field of `data` but the CSRF token; of an inline, its management form and its first
    row (later rows have the same fields)."""
    for field in data:
        if field != "csrfmiddlewaretoken" and not INLINE_ROW.fullmatch(field):
            yield field


def post_each_bad_value(client, address, data):
    """POST `data` with each field in turn set to each bad value; a refused form changes nothing."""
    before = snapshot()
    for field in fields_to_try(data):
        for label, value in BAD.items():
            with rolled_back():
                response = client.post(address, {**data, field: [value], "_save": "Save"})
                assert response.status_code < 500, f"{field} = {label}"
                if response.status_code == 200:
                    assert snapshot() == before, f"{field} = {label} was refused but changed data"


@pytest.mark.parametrize(
    ("model", "model_admin"), CHANGEABLE, ids=[model._meta.label for model, _ in CHANGEABLE]
)
def test_change_form_refuses_bad_values(admin_client, model, model_admin):
    obj = EXAMPLES[model]()
    address = url(model, "change", obj.pk)
    data = form_data(admin_client.get(address), f"{model._meta.model_name}_form")
    assert data, "the change form was not found"
    with rolled_back():  # the form as drawn saves: each case below differs from it by one value
        assert admin_client.post(address, {**data, "_save": "Save"}).status_code == 302
    post_each_bad_value(admin_client, address, data)


@pytest.mark.parametrize(("model", "model_admin"), EDITABLE, ids=[model._meta.label for model, _ in EDITABLE])
def test_editable_change_list_refuses_bad_values(admin_client, model, model_admin):
    EXAMPLES[model]()
    address = url(model, "changelist")
    data = form_data(admin_client.get(address), "changelist-form")
    assert data, "the change list's form was not found"
    post_each_bad_value(admin_client, address, data)


@pytest.mark.parametrize(("model", "model_admin"), ADDABLE, ids=[model._meta.label for model, _ in ADDABLE])
def test_add_form_refuses_bad_values(admin_client, model, model_admin):
    EXAMPLES[model]()  # so that choices and autocomplete have a row to offer
    address = url(model, "add")
    data = form_data(admin_client.get(address), f"{model._meta.model_name}_form")
    assert data, "the add form was not found"
    post_each_bad_value(admin_client, address, data)


def changelist_parameters(admin_client, model, model_admin):
    """Every query parameter the change list reads: its own, its filters' and the date drill-down's."""
    names = {SEARCH_VAR, ORDER_VAR, PAGE_VAR, ALL_VAR, ERROR_FLAG, "_to_field", "_popup", "_facets"}
    cl = admin_client.get(url(model, "changelist")).context["cl"]
    for spec in cl.filter_specs:
        names.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_change_list_parameters_refuse_bad_values(admin_client, model, model_admin):
    EXAMPLES[model]()
    address = url(model, "changelist")
    before = snapshot()
    for name in changelist_parameters(admin_client, model, model_admin):
        for label, value in BAD.items():
            response = admin_client.get(address, {name: value})
            assert response.status_code < 500, f"{name} = {label}"
    # A date drill-down past the last year Python can count up to.
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        for query in ({f"{field}__year": "9999"}, {f"{field}__year": "9999", f"{field}__month": "12"}):
            assert admin_client.get(address, query).status_code < 500, query
    assert snapshot() == before


@pytest.mark.parametrize(
    ("model", "model_admin"), WITH_ACTIONS, ids=[model._meta.label for model, _ in WITH_ACTIONS]
)
def test_actions_refuse_bad_selections(admin_client, model, model_admin):
    obj = EXAMPLES[model]()
    address = url(model, "changelist")
    before = snapshot()
    action = next(iter(admin_client.get(address).context["action_form"].fields["action"].choices[1:]))[0]
    cases = {
        f"{helpers.ACTION_CHECKBOX_NAME} = {label}": {helpers.ACTION_CHECKBOX_NAME: value}
        for label, value in BAD.items()
    }
    cases |= {f"action = {label}": {"action": value} for label, value in BAD.items()}
    cases |= {f"index = {label}": {"index": value} for label, value in BAD.items()}
    cases["100,000 ids"] = {helpers.ACTION_CHECKBOX_NAME: [str(n) for n in range(100_000)]}
    for label, values in cases.items():
        data = {"action": action, helpers.ACTION_CHECKBOX_NAME: obj.pk, "index": "0", **values}
        response = admin_client.post(address, data)
        assert response.status_code < 500, label
        assert snapshot() == before, f"{label} changed data"


def autocomplete_fields():
    """(app label, model name, field name) of every autocomplete field, on a ModelAdmin or an inline."""
    found = []
    for model, model_admin in ADMINS:
        for owner in [
            model_admin,
            *(inline(model, model_admin.admin_site) for inline in model_admin.inlines),
        ]:
            for field in owner.autocomplete_fields:
                found.append((owner.model._meta.app_label, owner.model._meta.model_name, field))
    return found


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), autocomplete_fields())
def test_autocomplete_refuses_bad_values(admin_client, app_label, model_name, field_name):
    params = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    for name in ("term", "page"):
        for label, value in BAD.items():
            response = admin_client.get(reverse("admin:autocomplete"), {**params, name: value})
            assert response.status_code < 500, f"{name} = {label}"
            if name == "term" and label in ("NUL", "100 KB"):
                assert response.status_code != 200 or response.json()["results"] == [], f"{name} = {label}"
