"""A form editors enjoy: sections in working order, compact collapsible parts, and a preview of
the article and FAQ answers rendered as on the site, without saving."""

import re

import pytest
from django.urls import reverse

from glossary.models import Term

from . import factories
from .editorial import change_url, member, opened, signed_in

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:glossary_term_preview")


@pytest.fixture
def bpo(db):
    term = factories.term(headword="BPO", slug="bpo")
    for n in range(15):
        factories.faq(term, question=f"Question {n}?", answer=f"Answer {n}.")
    return term


def test_the_sections_come_in_working_order(admin_client, bpo):
    page = admin_client.get(change_url(bpo)).content.decode()
    headings = re.findall(r"<h2[^>]*>\s*(?:<[^>]+>)*\s*([^<]+?)\s*<", page)
    wanted = ["Names", "Definition and article", "Classification", "FAQ", "Sources", "Publishing and review"]
    positions = [next(i for i, heading in enumerate(headings) if heading.startswith(name)) for name in wanted]
    assert positions == sorted(positions), headings


def test_faq_and_sources_are_compact_and_collapsible(admin_client, bpo):
    page = admin_client.get(change_url(bpo)).content.decode()
    faq = page[page.index('id="faqs-group"') :]
    assert "<details>" in faq[: faq.index("<table")]  # a section that folds, without JavaScript
    assert 'rows="3"' in faq and 'class="tabular' in page


def test_the_preview_renders_the_article_and_answers_as_the_site_does(bpo):
    editor = signed_in(member("Editors"))
    data = opened(editor, bpo)
    data |= {"body": ["**Bold** and <script>alert(1)</script>"], "faqs-0-answer": ["*Why* not?"]}
    response = editor.post(PREVIEW, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<strong>Bold</strong>" in text and "<em>Why</em> not?" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert Term.objects.get(pk=bpo.pk).body == ""  # nothing saved


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"faqs-TOTAL_FORMS": "abc"},
        {"faqs-TOTAL_FORMS": "²"},
        {"faqs-TOTAL_FORMS": "99999999999999999999"},
        {"faqs-TOTAL_FORMS": "3", "faqs-1-answer": "x" * 100_000},
        {"body": "x" * 30_000},
        {"body": "\x00"},
    ],
)
def test_the_preview_takes_any_input_without_a_500(admin_client, data):
    response = admin_client.post(PREVIEW, data)
    assert response.status_code == 200
    if "body" in data and len(data["body"]) > 20_000:
        assert "at most 20,000 are shown" in response.content.decode()


def test_the_preview_is_a_post(admin_client):
    assert admin_client.get(PREVIEW).status_code == 405
