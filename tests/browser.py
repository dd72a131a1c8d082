"""Launch Debian's chromium through Playwright: browser downloads are impossible here."""

from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"phone": 390, "desktop": 1280}
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def horizontal_overflow(page):
    """How many pixels the page is wider than the viewport (0 means no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
