"""A reader's journey in a real browser, at phone and desktop widths."""

import re

import pytest
from playwright.sync_api import expect

from .browser import WIDTHS, chromium, horizontal_overflow

# serialized_rollback: the rows migrations make (the roles, say) are back for the tests after these.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls happen before it starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_reader_filters_by_category_and_opens_an_article_without_sideways_scrolling(
    bpo_world, live_server, browser, width
):
    page = browser.new_page(viewport={"width": width, "height": 900})

    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Business terms, explained plainly")
    assert horizontal_overflow(page) == 0

    # Each click waits for the next page to load before looking at it: a click returns once the
    # navigation starts, while the old page may still be on screen.
    page.get_by_role("link", name="Offshore").first.click()
    page.wait_for_url("**/categories/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offshore")
    assert horizontal_overflow(page) == 0
    page.get_by_role("link", name="Browse and narrow these in the index").click()
    page.wait_for_url(re.compile(r"category=location(%2F|/)offshore"))
    expect(page.get_by_role("link", name="Remove filter Location: Offshore")).to_be_visible()
    expect(page.locator(".card__title a")).to_have_text(["BPO", "KPO"])
    assert horizontal_overflow(page) == 0

    page.get_by_role("link", name="BPO", exact=True).click()
    page.wait_for_url(f"{live_server.url}/terms/bpo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("BPO")
    expect(page.get_by_role("link", name="KPO")).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.close()


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(bpo_world, live_server, browser):
    page = browser.new_page(viewport={"width": WIDTHS["phone"], "height": 800})
    page.goto(f"{live_server.url}/terms/bpo/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.close()


def test_search_box_suggests_terms_as_one_types(bpo_world, live_server, browser):
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 800})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url)
    page.get_by_label("Search terms").press_sequentially("call c")
    options = page.locator("#site-q-suggestions option")
    options.first.wait_for(state="attached")
    assert options.evaluate_all("nodes => nodes.map(n => n.value)") == ["Call center"]
    page.get_by_label("Search terms").fill("c")
    page.wait_for_timeout(400)  # longer than the script waits before it asks
    assert options.count() == 0
    assert errors == []  # nothing blocked by the content security policy
    page.close()


def test_search_works_without_javascript(bpo_world, live_server, browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": WIDTHS["phone"], "height": 800}
    )
    page = context.new_page()
    page.goto(live_server.url)
    page.get_by_label("Search terms").fill("call centre")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=call+centre")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “call centre”")
    expect(page.locator(".card__title a").first).to_have_text("Call center")
    assert horizontal_overflow(page) == 0
    context.close()
