"""The query plan of every query each reader page makes, uncached, on a bench database.

    DATABASE_URL=sqlite:///$PWD/.bench-pages.sqlite3 python bench/plans.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kb_bench_pages python bench/plans.py

Build the database first (`bench/data.py --size 100000`). For each page it prints each query's
time and the lines of its plan worth a look: full scans and sorts (SQLite's `SCAN` without an
index, `USE TEMP B-TREE`; PostgreSQL's `Seq Scan`, `Sort`) and PostgreSQL's execution time.
"""

import re
import time

import benchdb  # noqa: E402, F401 - first: it checks the database and sets Django up
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from taggit.models import Tag  # noqa: E402

from glossary.models import Benefit, Category, Risk, Term  # noqa: E402

WORTH_A_LOOK = re.compile(r"Seq Scan|Sort|SCAN (?!.*USING)|TEMP B-TREE|Execution Time")


def pages():
    category = Category.objects.order_by("pk")[3]
    other = Category.objects.exclude(facet=category.facet).order_by("pk")[5]
    tag = Tag.objects.order_by("pk")[10]
    term = Term.objects.published().order_by("pk")[500]
    return [
        "/",
        "/terms/",
        "/terms/?page=700",
        f"/terms/?category={category.key}&category={other.key}",
        f"/terms/?tag={tag.slug}&letter=B",
        f"/terms/{term.slug}/",
        category.get_absolute_url(),
        f"/tags/{tag.slug}/",
        Benefit.objects.first().get_absolute_url(),
        Risk.objects.first().get_absolute_url(),
        "/search/?q=outsourcing",  # on the synthetic content, a typo of nothing
        "/search/?q=outsorcing",
        # A word of a headword: named terms, tiers, snippets; page 3 reaches the later tiers.
        f"/search/?q={term.headword.split()[0].lower()}",
        f"/search/?q={term.headword.split()[0].lower()}&page=3",
        # Two words of a definition: the names hold them seldom, so the names and definition's tier.
        f"/search/?q={'+'.join(term.definition.lower().split()[1:3])}",
        "/search/suggest/?q=ba",
    ]


def plan(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}")
        return [row[0] for row in cursor.fetchall()]


@override_settings(ALLOWED_HOSTS=["testserver"])
def main():
    client = Client()
    for url in pages():
        for alias in ("default", "versions"):
            caches[alias].clear()  # every page and count uncached, as after a write
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            status = client.get(url).status_code
            elapsed = (time.perf_counter() - start) * 1000
        print(f"\n{url}  {status}  {elapsed:.0f} ms, {len(queries)} queries")
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:100]}")
            for line in plan(query["sql"]):
                if WORTH_A_LOOK.search(line):
                    print(f"             {line.strip()[:140]}")


if __name__ == "__main__":
    main()
