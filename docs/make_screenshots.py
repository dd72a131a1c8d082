"""Save the home page, a filtered index and the BPO article at phone and desktop widths, and the
editors' pages (the desk, the term form, a review, a comparison of revisions) at desktop width.

Run by `make screenshots`, which first loads the seed content into the development database. The
editors' pages are taken from a copy of it, where this script adds an editor, a publisher and a
change awaiting review; the development database itself is left as it was.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
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


def editorial_scene(password):
    """In the database DATABASE_URL names (the copy): an editor's change to BPO awaiting review,
    after two earlier revisions. Returns BPO's id."""
    import django  # noqa: PLC0415 - set up only for this step, against the copy

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.dev")
    django.setup()
    from django.contrib.auth.models import Group, User  # noqa: PLC0415

    from editorial.services import record, term_save  # noqa: PLC0415
    from glossary.models import Term  # noqa: PLC0415

    people = {}
    for name, role in (("maria", "Editors"), ("sam", "Publishers")):
        user = User.objects.create_user(name, password=password, is_staff=True, first_name=name.title())
        user.groups.add(Group.objects.get(name=role))
        people[name] = user
    bpo = Term.objects.get(slug="bpo")
    record(term=bpo, by=people["sam"], action="published", message="First published version.")
    bpo.definition += " It is one of the oldest forms of outsourcing."

    def write():
        bpo.save()
        bpo.aliases.create(name="process outsourcing")

    term_save(term=bpo, by=people["maria"], write=write, message="Added a common alias and a sentence.")
    return bpo.pk


def editors_pages(browser, out_dir, term_id, password):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"http://{ADDRESS}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    pages = {
        "admin-desk": "/admin/",
        "admin-term-form": f"/admin/glossary/term/{term_id}/change/",
        "admin-review": f"/admin/glossary/term/{term_id}/review/",
        "admin-history": f"/admin/glossary/term/{term_id}/history/",
        "admin-compare": f"/admin/glossary/term/{term_id}/history/compare/?a=1&b=2",
    }
    for name, path in pages.items():
        page.goto(f"http://{ADDRESS}{path}")
        target = out_dir / f"{name}-desktop.png"
        page.screenshot(path=target, full_page=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"{target.relative_to(ROOT)}  height={height}px")
    page.close()


def main(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "screenshots.sqlite3"
        shutil.copy(ROOT / "db.sqlite3", copy)
        os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
        os.environ["KB_VERSION_DIR"] = str(Path(scratch) / "versions")
        password = secrets.token_urlsafe(16)
        term_id = editorial_scene(password)
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
                editors_pages(browser, out_dir, term_id, password)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(ROOT / "docs" / "screenshots")
