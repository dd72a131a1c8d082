"""An editor's journey in a real browser: the BPO form with 15 FAQ entries fits in a couple of
screens, its sections unfold, and the preview opens the article as readers would get it."""

import pytest

from . import factories
from .browser import chromium
from .editorial import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "a-long-test-password-1"


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


@pytest.fixture
def bpo(db):
    term = factories.term(headword="BPO", slug="bpo", body="## Types\n\nFront office and back office.")
    for n in range(15):
        factories.faq(
            term, question=f"Question {n}?", answer=f"An answer of a few lines, number {n}.\n\n" * 3
        )
    for n in range(5):
        factories.source(term, title=f"Source {n}", url="https://example.com/")
    return term


@pytest.fixture
def editor(db):
    """Written before the browser starts: a write made while Playwright runs opens a connection of
    its own that nothing closes, and PostgreSQL then refuses to drop the test database."""
    editor = member("Editors")
    editor.set_password(PASSWORD)
    editor.save()
    return editor


def test_the_bpo_form_fits_in_two_screens_and_previews_the_article(bpo, editor, live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")  # signed in before going on
    page.goto(f"{live_server.url}/admin/glossary/term/{bpo.pk}/change/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2400, f"{height}px"  # 2,157 px when written; it was 10,100 px, every FAQ open

    faq = page.locator("#faqs-group summary")
    faq.click()
    assert page.locator("#id_faqs-14-answer").is_visible()

    page.fill("#id_body", "**Bold** words for the preview.")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Preview the article and FAQ answers").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator(".prose strong").first.inner_text() == "Bold"
    assert "Question 14?" in preview.content()
