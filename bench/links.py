"""What linking costs a reader's page: an uncached article that mentions 50 other terms, with
linking on and off for that term, and where the time goes (finding mentions is done on write).

    DATABASE_URL=sqlite:////tmp/links.sqlite3 python bench/links.py

Builds a throwaway database (migrates it, adds 51 terms), then renders the article's page in
process with Django's test client, the page cache emptied before each, and prints the median of 200 renders
of each and the queries each took.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")
django.setup()

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from glossary.cache import kept_apart  # noqa: E402
from glossary.models import Term  # noqa: E402
from glossary.services import mentions_refresh  # noqa: E402

MENTIONS = 50
RUNS = 200
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
]


def build():
    call_command("migrate", verbosity=0)
    Term.objects.all().delete()
    names = [f"{WORDS[i % 12]} {WORDS[(i // 12) % 12]} service" for i in range(MENTIONS)]
    for i, name in enumerate(names):
        Term.objects.create(
            headword=name.capitalize(), slug=f"t{i}", definition=f"Term {i}.", status="published"
        )
    paragraphs = [
        f"Paragraph {i} names the {name} among other words of a body." for i, name in enumerate(names)
    ]
    article = Term.objects.create(
        headword="Article",
        slug="article",
        definition="It mentions.",
        status="published",
        body="\n\n".join(paragraphs),
    )
    mentions_refresh(term=article)
    return article


def measure(client, url):
    times = []
    with kept_apart():
        for _ in range(RUNS):
            caches["default"].clear()
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times.append(time.perf_counter() - start)
        caches["default"].clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    return statistics.median(times) * 1000, len(queries), response.content.decode().count('class="term-link"')


def main():
    article = build()
    client = Client()
    for switch in (True, False):
        Term.objects.filter(pk=article.pk).update(link_mentions=switch)
        ms, queries, links = measure(client, article.get_absolute_url())
        print(f"linking {'on ' if switch else 'off'}: {ms:6.2f} ms a page, {queries} queries, {links} links")


if __name__ == "__main__":
    main()
