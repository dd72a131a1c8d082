"""Save the home page, a filtered index and the BPO article at phone and desktop widths.

Run by `make screenshots`, which first loads the seed content into the development database.
"""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import WIDTHS, chromium, horizontal_overflow  # noqa: E402

ADDRESS = "127.0.0.1:8765"
PAGES = {
    "home": "/",
    "index-filtered": "/terms/?category=location/offshore&category=location/nearshore",
    "article-bpo": "/terms/bpo/",
}


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The development server did not answer at {url}.")


def main(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", ADDRESS], cwd=ROOT
    )
    try:
        wait_for(f"http://{ADDRESS}/")
        with chromium() as browser:
            for size, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name, path in PAGES.items():
                    page.goto(f"http://{ADDRESS}{path}")
                    target = out_dir / f"{name}-{size}.png"
                    page.screenshot(path=target, full_page=True)
                    print(f"{target.relative_to(ROOT)}  overflow={horizontal_overflow(page)}px")
                page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main(ROOT / "docs" / "screenshots")
