"""A category, benefit or risk that terms still use cannot be deleted, in the admin (its delete
page and the bulk delete action) or in code; the refusal names the terms."""

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from . import factories

pytestmark = pytest.mark.django_db

KINDS = {
    "category": (factories.category, "categories", "/admin/glossary/category/"),
    "benefit": (factories.benefit, "benefits", "/admin/glossary/benefit/"),
    "risk": (factories.risk, "risks", "/admin/glossary/risk/"),
}


@pytest.fixture(params=KINDS)
def used(request):
    """(the row, its admin list, an unused row of the same kind) with two terms using the row."""
    make, field, url = KINDS[request.param]
    row, unused = make(), make()
    for headword in ("Offshoring", "Back office"):
        getattr(factories.draft(headword=headword), field).add(row)
    return row, url, unused


def exists(row):
    return type(row).objects.filter(pk=row.pk).exists()


def test_code_refuses_and_names_the_terms(used):
    row, _, unused = used
    with pytest.raises(ProtectedError, match="Terms still use it: Back office, Offshoring"):
        row.delete()
    with pytest.raises(ProtectedError):
        type(row).objects.filter(pk__in=[row.pk, unused.pk]).delete()  # a bulk delete too, all or nothing
    assert exists(row) and exists(unused)
    unused.delete()
    assert not exists(unused)


def test_the_delete_page_refuses_and_names_the_terms(admin_client, used):
    row, url, _ = used
    page = admin_client.get(f"{url}{row.pk}/delete/").content.decode()
    assert "would require deleting the following protected related objects" in page
    assert "Term: Back office" in page and "Term: Offshoring" in page
    admin_client.post(f"{url}{row.pk}/delete/", {"post": "yes"})
    assert exists(row)


def test_the_bulk_delete_action_refuses_and_names_the_terms(admin_client, used):
    row, url, unused = used
    data = {"action": "delete_selected", "_selected_action": [row.pk, unused.pk], "post": "yes"}
    page = admin_client.post(url, data).content.decode()
    assert "Term: Offshoring" in page
    assert exists(row) and exists(unused)


def test_an_unused_one_is_deleted_in_the_admin(admin_client, used):
    _, url, unused = used
    assert admin_client.post(f"{url}{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not exists(unused)


def test_a_refusal_inside_a_transaction_leaves_it_usable(used):
    row, _, _ = used
    with transaction.atomic():
        with pytest.raises(ProtectedError):
            row.delete()
        assert exists(row)  # refused before anything was written: the transaction goes on
