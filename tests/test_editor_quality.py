"""Editors are warned before they create a twin: a name close to another term's asks them to
confirm, an exact clash is refused, and the check reads only the names that share a beginning."""

import pytest
from django.urls import reverse

from editorial.duplicates import close, near_duplicates
from glossary.models import Term

from . import factories
from .editorial import member, opened, save, signed_in

pytestmark = pytest.mark.django_db

ADD = reverse("admin:glossary_term_add")
CHECKBOX = '<input type="checkbox" name="not_a_duplicate"'  # hidden until a warning asks for it

# (the existing term's headword, expansion and aliases; the field the editor fills in; its value)
EXAMPLES = [
    ({"headword": "Call center"}, "headword", "Call-centre"),
    ({"headword": "Back office"}, "headword", "Back-office"),
    ({"headword": "Offshore outsourcing"}, "headword", "Offshoring"),
    ({"headword": "Outsourcing"}, "headword", "Outsorcing"),  # a one-letter typo
    (
        {"headword": "BPO", "expansion": "Business process outsourcing"},
        "expansion",
        "Business-process outsourcing",
    ),
    ({"headword": "Contact centre", "aliases": ["Call center"]}, "headword", "Call centres"),
    ({"headword": "Call center"}, "alias", "Call-centre"),
]


def new_term(**changes):
    """The add form as a browser sends it, with no inline rows but the one alias if given."""
    data = {
        "headword": "New term",
        "expansion": "",
        "slug": "new-term",
        "definition": "A definition long enough to read as one sentence.",
        "body": "",
        "status": "draft",
        "link_mentions": "on",
        "_save": "Save",
    }
    for prefix in ("aliases", "relations_out", "faqs", "sources"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    alias = changes.pop("alias", None)
    if alias:
        data |= {"aliases-TOTAL_FORMS": "1", "aliases-0-name": alias}
    return data | changes


@pytest.mark.parametrize(
    "pair",
    [
        ("Call-centre", "Call center"),
        ("Back-office", "Back office"),
        ("Offshoring", "Offshore outsourcing"),
        ("Outsorcing", "Outsourcing"),
        ("call centres", "Call Center"),
    ],
)
def test_names_that_differ_in_spelling_hyphens_endings_or_one_letter_are_close(pair):
    assert close(*pair) and close(*reversed(pair))


@pytest.mark.parametrize(
    "pair",
    [("Tier 1", "Tier 2"), ("BPO", "KPO"), ("Onshore", "Offshore"), ("Insourcing", "Outsourcing")],
)
def test_names_of_different_terms_are_not_close(pair):
    assert not close(*pair)


@pytest.mark.parametrize("role", ["Editors", "Publishers"])
@pytest.mark.parametrize(("existing", "field", "value"), EXAMPLES)
def test_a_near_duplicate_warns_naming_the_other_term_and_saves_once_confirmed(role, existing, field, value):
    other = factories.term(**existing)
    client = signed_in(member(role))
    data = new_term(**{field: value})

    warned = client.post(ADD, data)

    assert warned.status_code == 200
    errors = " ".join(
        str(error) for errors in warned.context["adminform"].form.errors.values() for error in errors
    )
    assert str(other) in errors and other.slug in errors
    assert CHECKBOX in warned.content.decode()
    assert not Term.objects.filter(slug="new-term").exists()

    saved = client.post(ADD, data | {"not_a_duplicate": "on"})

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert Term.objects.filter(slug="new-term").exists()


def test_a_name_unlike_any_other_saves_without_a_warning():
    factories.term(headword="Call center")
    client = signed_in(member("Editors"))
    assert CHECKBOX not in client.get(ADD).content.decode()
    response = client.post(ADD, new_term(headword="Nearshoring"))
    assert response.status_code == 302
    assert Term.objects.filter(headword="Nearshoring").exists()


def test_an_exact_collision_stays_an_error_even_when_confirmed():
    factories.term(headword="BPO", expansion="Business process outsourcing")
    client = signed_in(member("Publishers"))
    data = new_term(headword="bpo", expansion="Business Process Outsourcing", not_a_duplicate="on")

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert "Another term already has this headword and expansion." in response.content.decode()
    assert Term.objects.filter(headword__iexact="bpo").count() == 1


def test_an_alias_that_is_another_terms_headword_stays_an_error_even_when_confirmed():
    factories.term(headword="Call center")
    response = signed_in(member("Editors")).post(
        ADD, new_term(headword="Contact centre", alias="call center", not_a_duplicate="on")
    )
    assert response.status_code == 200
    assert "is already the name or address of Call center" in response.content.decode()
    assert not Term.objects.filter(headword="Contact centre").exists()


def test_saving_a_term_again_does_not_warn_of_itself():
    term = factories.draft(headword="Call center", slug="call-center")
    assert near_duplicates(["Call centre", "Call center"], exclude=term.pk) == []


def test_the_check_reads_only_names_sharing_a_beginning_in_a_few_queries(django_assert_max_num_queries):
    for n in range(40):
        factories.term(headword=f"Zeta {n}", aliases=[f"Zed {n}"])
    twin = factories.term(headword="Call center", aliases=["Callcentre"])

    with django_assert_max_num_queries(4):  # headwords, expansions and aliases by prefix; the terms
        found = near_duplicates(["Call-centre"])

    assert found == [(twin, "Call center")]


def test_a_term_confirmed_once_saves_again_without_a_warning_while_its_names_stay():
    factories.term(headword="Offshore outsourcing")
    offshoring = factories.draft(headword="Offshoring", slug="offshoring")
    client = signed_in(member("Editors"))
    response = save(
        client, offshoring, opened(client, offshoring), definition="Moving work abroad, in short."
    )
    assert response.status_code == 302
