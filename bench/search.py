"""Search latency at 10,000 and 100,000 terms, beside the bare engine's time for the same query.

    DATABASE_URL=sqlite:////tmp/kb-bench.sqlite3 python bench/search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kb_bench python bench/search.py

`make bench-search` runs both. The database named by DATABASE_URL is dropped and rebuilt.
For each query type it prints p50 and p95 of our layer (what the search page asks for: the
first page of ranked results, respelling included) and of the raw FTS5 or tsquery SQL that
returns the same first page, measured in the same run, and their ratio.
"""

import argparse
import random
import statistics
import time

from benchdb import rebuild_database  # noqa: E402 - first: it sets Django up
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from glossary.models import FAQ, Alias, Term  # noqa: E402
from glossary.search import Search, suggest  # noqa: E402
from glossary.search.text import Query, fragments  # noqa: E402
from glossary.termsets import Places  # noqa: E402

SYLLABLES = [consonant + vowel for consonant in "bdklmnrstv" for vowel in "aeio"]
RUNS = 60
PAGE = 20

# The bare engine: one SQL statement asking the same question as our layer, without its extras
# (exact-name and prefix tiers, British spellings, respelling, the ORM).
RAW = {
    "sqlite": {
        "text": """SELECT t.id FROM glossary_term_fts AS f JOIN glossary_term AS t ON t.id = f.rowid
                   WHERE f.glossary_term_fts MATCH %s AND t.status = 'published'
                   ORDER BY f.rank LIMIT 20""",
        "names": """SELECT t.id FROM glossary_term_fts AS f JOIN glossary_term AS t ON t.id = f.rowid
                   WHERE f.glossary_term_fts MATCH %s AND t.status = 'published'
                   ORDER BY f.rank LIMIT 8""",
        "typo": """SELECT rowid FROM glossary_term_trigram WHERE glossary_term_trigram MATCH %s
                   ORDER BY rank LIMIT 20""",
    },
    "postgresql": {
        "text": """SELECT t.id FROM glossary_term_search AS s JOIN glossary_term AS t ON t.id = s.term_id
                   WHERE (s.document @@ to_tsquery('english', %(words)s)
                          OR s.names_document @@ to_tsquery('simple', %(prefix)s))
                     AND t.status = 'published'
                   ORDER BY ts_rank(s.document,
                       to_tsquery('english', %(words)s) || to_tsquery('simple', %(prefix)s), 1) DESC
                   LIMIT 20""",
        "names": """SELECT t.id FROM glossary_term_search AS s JOIN glossary_term AS t ON t.id = s.term_id
                   WHERE s.names_document @@ to_tsquery('simple', %(prefix)s) AND t.status = 'published'
                   ORDER BY ts_rank(s.names_document, to_tsquery('simple', %(prefix)s)) DESC LIMIT 8""",
        "typo": """SELECT term_id FROM glossary_term_search WHERE %(text)s <%% names
                   ORDER BY %(text)s <<-> names LIMIT 20""",
    },
}


def word(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def sentence(rng, vocabulary, n):
    return " ".join(rng.choice(vocabulary) for _ in range(n)).capitalize() + "."


def populate(size, rng, vocabulary):
    """`size` published terms with an alias and a FAQ entry each; the triggers index every row."""
    now = timezone.now()
    batch = []
    for n in range(size):
        headword = f"{word(rng).capitalize()} {word(rng)}"
        batch.append(
            Term(
                headword=headword,
                expansion=f"{word(rng).capitalize()} {word(rng)} {word(rng)}",
                slug=f"term-{n}",
                definition=sentence(rng, vocabulary, 18),
                body_text=" ".join(sentence(rng, vocabulary, 12) for _ in range(5)),
                initial=headword[0].upper(),
                status=Term.Status.PUBLISHED,
                published_at=now,
            )
        )
    Term.objects.bulk_create(batch, batch_size=2000)
    ids = list(Term.objects.values_list("pk", flat=True))
    Alias.objects.bulk_create(
        [Alias(term_id=pk, name=f"{word(rng)} {n}", slug=f"alias-{n}") for n, pk in enumerate(ids)],
        batch_size=2000,
    )
    FAQ.objects.bulk_create(
        [
            FAQ(term_id=pk, question=sentence(rng, vocabulary, 8), answer=sentence(rng, vocabulary, 20))
            for pk in ids
        ],
        batch_size=2000,
    )
    return list(Term.objects.values_list("headword", "expansion"))


def misspell(text, rng):
    """Swap two neighbouring letters inside the first word, as fast typists do."""
    first, _, rest = text.partition(" ")
    i = rng.randrange(1, len(first) - 2)
    return f"{first[:i]}{first[i + 1]}{first[i]}{first[i + 2 :]} {rest}".strip()


def queries(names, vocabulary, rng):
    sample = rng.sample(names, RUNS)
    return {
        "exact": [headword for headword, _ in sample],
        "prefix": [headword.split()[0][:4] for headword, _ in sample],
        "full text": [f"{rng.choice(vocabulary)} {rng.choice(vocabulary)}" for _ in range(RUNS)],
        "typo": [misspell(expansion, rng) for _, expansion in sample],
        "suggest": [headword[:3] for headword, _ in sample],
    }


def conjunction(words, quote, joiner, suffix=None):
    """Words that must all occur, the last as a prefix if `suffix` is given."""
    last = quote(words[-1]) + suffix if suffix else quote(words[-1])
    return joiner.join([*map(quote, words[:-1]), last])


def raw(kind, text):
    """The bare engine's time for the same question."""
    words = Query.parse(text).words
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            quote = '"{}"'.format
            names = "{names} : (" + conjunction(words, quote, " AND ", "*") + ")"
            if kind == "typo":
                cursor.execute(RAW["sqlite"]["typo"], [" OR ".join(map(quote, fragments(text)))])
            elif kind == "suggest":
                cursor.execute(RAW["sqlite"]["names"], [names])
            else:
                cursor.execute(RAW["sqlite"]["text"], [f"({conjunction(words, quote, ' AND ')}) OR {names}"])
        else:
            quote = "'{}'".format
            params = {
                "text": text,
                "words": conjunction(words, quote, " & "),
                "prefix": conjunction(words, quote, " & ", ":*"),
            }
            cursor.execute(
                RAW["postgresql"]["names" if kind == "suggest" else kind if kind == "typo" else "text"],
                params,
            )
        return cursor.fetchall()


def ours(kind, text):
    if kind == "suggest":
        return list(suggest(text))
    search = Search(text)
    return list(search.ranked(Places.published().matching(search))[:PAGE])


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    rng = random.Random(1989)
    vocabulary = [word(rng) for _ in range(5000)]
    print(f"# {connection.vendor}, {RUNS} queries per type, times in ms")
    print("  terms  query      ours p50  ours p95  raw p50  raw p95  p50 ratio")
    for size in args.sizes:
        rebuild_database()
        started = time.perf_counter()
        names = populate(size, rng, vocabulary)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # What autovacuum does within a minute of a bulk load: the alias and FAQ triggers
                # left two dead versions of every index row, and the planner needs statistics.
                cursor.execute("VACUUM ANALYZE")
        print(f"# {size} terms loaded and indexed in {time.perf_counter() - started:.0f} s")
        for kind, texts in queries(names, vocabulary, rng).items():
            # Warm the caches with other queries than those timed: the term sets keep a search's
            # matches.
            warming, measured = texts[:5], texts[5:]
            for text in warming:
                ours(kind, text), raw(kind, text)
            ours_ms = percentiles([timed(ours, kind, text) for text in measured])
            raw_ms = percentiles([timed(raw, kind, text) for text in measured])
            figures = f"{ours_ms[0]:>8.2f}  {ours_ms[1]:>8.2f}  {raw_ms[0]:>7.2f}  {raw_ms[1]:>7.2f}"
            print(f"{size:>7}  {kind:<9}  {figures}  {ours_ms[0] / raw_ms[0]:>9.2f}")


if __name__ == "__main__":
    main()
