"""A synthetic glossary of N terms for the page benchmarks, built fast and kept between runs.

    DATABASE_URL=sqlite:///$PWD/.bench-pages.sqlite3 python bench/data.py --size 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kb_bench_pages python bench/data.py --size 100000

The database named by DATABASE_URL (its name must contain 'bench') is dropped, migrated and
filled, unless it already holds the same build: a marker table records a key made of the size,
the seed, this file's source and the migrations, so a second run with the same arguments reuses it.
`--json` prints what the benchmark needs to know (slugs, counts, names, words) as one JSON line.

Proportions follow the shipped fixtures, scaled: 4 facets with 30 categories, each term in 3 of
them from different facets; 300-1,000 tags used with a Zipf-like skew, 1-3 per term; 40 benefits
and 40 risks, 0-3 of each per term; 0-3 FAQ entries, 0-2 aliases, 0-3 sources and 0-4 relations
per term; 60% of articles end with a paragraph naming 1-8 nearby terms, with their Mention rows;
95% published in the past, 4% drafts and 1% scheduled for a later date. Words are drawn
with a Zipf-like skew too, as in real text. Bodies are Markdown put together from a pool of
blocks rendered once each (rendering every body would take minutes): the Markdown of blocks
separated by blank lines renders to their HTML joined, which is checked on a sample, and
body_text is derived from that HTML as Term.save() derives it.
"""

import argparse
import hashlib
import itertools
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

MARKER_TABLE = "bench_pages_marker"

from benchdb import rebuild_database  # noqa: E402 - first: it sets Django up
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import OperationalError, connection, transaction  # noqa: E402
from django.db.migrations.loader import MigrationLoader  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from taggit.models import Tag  # noqa: E402

from glossary.markdown import plain_text, render_markdown  # noqa: E402
from glossary.models import (  # noqa: E402
    FAQ,
    Alias,
    Benefit,
    Category,
    Facet,
    Mention,
    Risk,
    Source,
    TaggedTerm,
    Term,
    TermRelation,
    alias_slug,
    initial_of,
)

CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"
SYLLABLES = [c + v for c in CONSONANTS for v in VOWELS] + [v + c for v in VOWELS for c in "lmnrst"]
ACCENTED = {"e": "é", "a": "à", "o": "ö", "u": "ü", "i": "î"}
FACETS = [("Office function", 9), ("Location", 7), ("Industry", 8), ("Delivery model", 6)]
BATCH = 2000
LOG = sys.stderr


def log(message):
    print(message, file=LOG, flush=True)


def counts(rng, weights):
    """How many of a part a term gets: 0, 1, 2… with the given relative weights."""
    return rng.choices(range(len(weights)), weights=weights)[0]


def zipf(n, exponent=1.0):
    """Cumulative weights of a Zipf-like distribution over n ranks."""
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(n)))


class Words:
    """A vocabulary of made-up words and sentences drawn from it with a Zipf-like skew."""

    def __init__(self, rng, size=6000):
        self.rng = rng
        seen = {}
        while len(seen) < size:
            seen.setdefault(self.word(), None)
        self.vocabulary = list(seen)
        self.weights = zipf(size, 0.9)

    def word(self):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4)))

    def pick(self, k):
        return self.rng.choices(self.vocabulary, cum_weights=self.weights, k=k)

    def sentence(self, low, high):
        return " ".join(self.pick(self.rng.randint(low, high))).capitalize() + "."

    def title(self, n):
        return " ".join(self.word().capitalize() for _ in range(n))


class Blocks:
    """Markdown blocks, each rendered once, that bodies and FAQ answers are put together from."""

    def __init__(self, words, rng, slugs):
        self.rng = rng
        paragraphs = [self.paragraph(words, slugs) for _ in range(4000)]
        headings = [f"## {words.sentence(2, 4).rstrip('.')}" for _ in range(300)]
        lists = [
            "\n".join(
                f"- **{words.word().capitalize()}:** {words.sentence(5, 14)}"
                for _ in range(rng.randint(2, 5))
            )
            for _ in range(1500)
        ]
        self.paragraphs, self.headings, self.lists = (
            [self.rendered(block) for block in group] for group in (paragraphs, headings, lists)
        )

    @staticmethod
    def rendered(markdown):
        html = render_markdown(markdown)
        return markdown, html, plain_text(html)

    def paragraph(self, words, slugs):
        sentences = [words.sentence(7, 18) for _ in range(self.rng.randint(1, 4))]
        first = sentences[0].split(" ")
        if self.rng.random() < 0.3:
            first[0] = f"**{first[0]}**"
        if self.rng.random() < 0.4:  # a link to another term, as articles have
            i = self.rng.randrange(1, len(first))
            first[i] = f"[{first[i].rstrip('.')}](/terms/{self.rng.choice(slugs)}/)"
        sentences[0] = " ".join(first)
        return " ".join(sentences)

    def body(self):
        """An article: paragraphs, and now and then a heading followed by a list or paragraphs."""
        rng = self.rng
        blocks = [rng.choice(self.paragraphs)]
        for _ in range(counts(rng, [4, 4, 2, 1])):
            blocks.append(rng.choice(self.headings))
            blocks.append(rng.choice(self.lists) if rng.random() < 0.5 else rng.choice(self.paragraphs))
            blocks.extend(rng.choice(self.paragraphs) for _ in range(counts(rng, [2, 2, 1])))
        return blocks

    def answer(self):
        rng = self.rng
        blocks = [rng.choice(self.paragraphs)]
        if rng.random() < 0.3:
            blocks.append(rng.choice(self.lists))
        return blocks

    @staticmethod
    def joined(blocks):
        """Markdown, HTML and plain text of blocks, as rendering the Markdown whole gives them."""
        return (
            "\n\n".join(markdown for markdown, _, _ in blocks),
            "".join(html for _, html, _ in blocks),
            " ".join(text for _, _, text in blocks if text),
        )


def check_composition(samples):
    """Rendering the whole gives the joined parts (else the shortcut would store wrong HTML)."""
    for blocks in samples:
        markdown, html, text = Blocks.joined(blocks)
        rendered = render_markdown(markdown)
        if rendered != html or plain_text(rendered) != text:
            raise SystemExit("Composed Markdown renders differently from its blocks: fix bench/data.py.")


def build_key(size, seed):
    """What a reusable build must match: arguments, this generator and the schema's migrations."""
    leaves = sorted(map(str, MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()))
    source = Path(__file__).read_bytes()
    return hashlib.sha256(repr((size, seed, leaves)).encode() + source).hexdigest()[:32]


def stored_key():
    try:
        if MARKER_TABLE not in connection.introspection.table_names():
            return None
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT build FROM {MARKER_TABLE}")  # noqa: S608 - a constant
            row = cursor.fetchone()
    except OperationalError:  # no such database yet
        connection.close()
        return None
    return row[0] if row else None


def unique_names(rng, words, size):
    """Headwords and expansions, unique ignoring case as the constraint term_name_unique wants; a
    third are acronyms (several may share one, with different expansions), a few start with a
    digit or an accented letter."""
    seen, terms = set(), []
    while len(terms) < size:
        roll = rng.random()
        if roll < 0.3:
            expansion = words.title(rng.randint(2, 4))
            headword = "".join(part[0] for part in expansion.split()).upper()
        else:
            expansion = ""
            headword = " ".join(words.pick(rng.randint(1, 2)) + [words.word()])
            headword = headword[0].upper() + headword[1:]
            if roll > 0.995:
                headword = f"{rng.randint(2, 99)} {headword.lower()}"
            elif roll > 0.985 and headword[0].lower() in ACCENTED:
                headword = ACCENTED[headword[0].lower()].upper() + headword[1:]
        key = (headword.lower(), expansion.lower())
        if key not in seen:
            seen.add(key)
            terms.append((headword, expansion))
    return terms


def unique_slugs(names):
    taken, slugs = set(), []
    for headword, expansion in names:
        base = slugify(headword) or "term"
        slug = base if base not in taken else slugify(f"{headword} {expansion}")
        n = 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def populate(size, seed):
    rng = random.Random(seed)
    words = Words(rng)
    now = timezone.now()
    started = time.perf_counter()

    facets = Facet.objects.bulk_create(
        Facet(name=name, slug=slugify(name), description=words.sentence(8, 14), position=n)
        for n, (name, _) in enumerate(FACETS)
    )
    category_names = iter(dict.fromkeys(words.title(1) for _ in range(200)))
    categories = Category.objects.bulk_create(
        Category(
            facet=facet,
            name=(name := next(category_names)),
            slug=slugify(name),
            description=words.sentence(8, 14),
            position=n,
        )
        for facet, (_, count) in zip(facets, FACETS, strict=True)
        for n in range(count)
    )
    by_facet = [[c for c in categories if c.facet_id == facet.pk] for facet in facets]
    facet_weights = [zipf(len(group), 0.7) for group in by_facet]

    def named(model, n, **extra):
        names = list(dict.fromkeys(f"{words.word().capitalize()} {words.word()}" for _ in range(n * 2)))[:n]
        return model.objects.bulk_create(
            model(name=name, slug=slugify(name), description=words.sentence(15, 40)[:600], **extra)
            for name in names
        )

    benefits = named(Benefit, 40)
    risks = named(Risk, 40, mitigation=words.sentence(10, 30)[:600])
    tag_count = min(1000, max(300, size // 100))
    tag_names = list(dict.fromkeys(" ".join(words.pick(rng.randint(1, 2))) for _ in range(tag_count * 3)))
    tag_names = [name for name in dict.fromkeys(tag_names) if name][:tag_count]
    tags = Tag.objects.bulk_create(Tag(name=name, slug=slugify(name)) for name in tag_names)
    tag_weights = zipf(len(tags), 1.05)

    names = unique_names(rng, words, size)
    slugs = unique_slugs(names)
    blocks = Blocks(words, rng, slugs)
    bodies = [blocks.body() if rng.random() > 0.05 else [] for _ in range(size)]
    mentions = []
    for i, body in enumerate(bodies):
        if body and rng.random() < 0.6:  # a paragraph naming a few neighbours, as articles do
            near = (min(max(i + rng.randint(-50, 50), 0), size - 1) for _ in range(rng.randint(1, 8)))
            targets = [j for j in dict.fromkeys(near) if j != i]
            said = [names[j][1] or names[j][0] for j in targets]  # the expansion, if it has one
            if said:
                body.append(Blocks.rendered(f"It is often weighed against {', '.join(said)}."))
                mentions += [(i + 1, j + 1, name.lower()) for j, name in zip(targets, said, strict=True)]
    check_composition(bodies[:300])
    log(f"  generated {size} terms' text in {time.perf_counter() - started:.1f} s")

    terms = []
    for (headword, expansion), slug, body in zip(names, slugs, bodies, strict=True):
        markdown, html, text = Blocks.joined(body)
        roll = rng.random()
        if roll < 0.04:
            status, published_at = Term.Status.DRAFT, None
        elif roll < 0.05:  # scheduled: far enough ahead not to come due during a benchmark
            status, published_at = Term.Status.PUBLISHED, now + timedelta(days=rng.uniform(30, 365))
        else:
            status, published_at = Term.Status.PUBLISHED, now - timedelta(days=rng.uniform(1, 3 * 365))
        terms.append(
            Term(
                headword=headword,
                expansion=expansion,
                slug=slug,
                definition=words.sentence(12, 24)[:400],
                body=markdown,
                body_html=html,
                body_text=text,
                initial=initial_of(headword),
                status=status,
                published_at=published_at,
            )
        )

    ids = list(range(1, size + 1))  # a fresh database: the children can name their terms' ids
    for term, pk in zip(terms, ids, strict=True):
        term.pk = pk
    categorised = [
        (pk, rng.choices(group, cum_weights=weights)[0].pk)
        for pk in ids
        for group, weights in rng.sample(list(zip(by_facet, facet_weights, strict=True)), 3)
    ]
    tag_ids = [tag.pk for tag in tags]
    tagged = [  # 1-3 draws; a term drawing a popular tag twice keeps it once
        (pk, tag)
        for pk in ids
        for tag in dict.fromkeys(rng.choices(tag_ids, cum_weights=tag_weights, k=rng.randint(1, 3)))
    ]
    benefitted, risked = (
        [(pk, row.pk) for pk in ids for row in rng.sample(pool, counts(rng, [3, 4, 2, 1]))]
        for pool in (benefits, risks)
    )
    sources = [
        (
            pk,
            words.sentence(3, 8).rstrip("."),
            words.title(rng.randint(1, 2)) if rng.random() < 0.8 else "",
            f"https://{words.word()}.example.org/{words.word()}" if rng.random() < 0.6 else "",
            n,
        )
        for pk in ids
        for n in range(counts(rng, [3, 4, 2, 1]))
    ]
    pairs, relations = set(), []
    for i, pk in enumerate(ids):
        for _ in range(counts(rng, [5, 6, 5, 2, 2])):
            # Mostly near neighbours (a cluster of related terms), sometimes anywhere.
            j = min(max(i + rng.randint(-50, 50), 0), size - 1) if rng.random() < 0.7 else rng.randrange(size)
            if j != i and frozenset((i, j)) not in pairs:
                pairs.add(frozenset((i, j)))
                relations.append((pk, ids[j], rng.choice(TermRelation.Kind.values)))
    taken = {name.lower() for pair in names for name in pair if name} | set(slugs)
    aliases = []
    for pk in ids:
        for _ in range(counts(rng, [9, 7, 4])):
            name = " ".join(words.pick(rng.randint(1, 2)) + [words.word()])
            slug = alias_slug(name)
            if name.lower() not in taken and slug not in taken:
                taken.update((name.lower(), slug))
                aliases.append((pk, name, slug))
    answers = [Blocks.joined(blocks.answer()) for _ in range(3000)]
    faqs = []
    for pk in ids:
        for n in range(counts(rng, [4, 3, 2, 1])):
            answer, answer_html, _ = rng.choice(answers)
            question = f"{rng.choice(['What', 'Why', 'How', 'When'])} {words.sentence(4, 10)[:-1].lower()}?"
            faqs.append((pk, question, answer, answer_html, n))
    log(f"  generated their parts in {time.perf_counter() - started:.1f} s")

    with transaction.atomic():  # foreign keys are checked at the commit
        timed = time.perf_counter()
        # Aliases and FAQ entries first: the triggers index a term once, when it is inserted, with
        # its aliases and FAQ (inserted after it, each would index the term again).
        insert(Alias, ["term", "name", "slug"], aliases)
        insert(FAQ, ["term", "question", "answer", "answer_html", "position"], faqs)
        Term.objects.bulk_create(terms, batch_size=BATCH)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Term]):
                cursor.execute(statement)
        log(
            f"  {size} terms, {len(aliases)} aliases and {len(faqs)} FAQ entries inserted and indexed "
            f"in {time.perf_counter() - timed:.1f} s"
        )
        timed = time.perf_counter()
        # auto_now stamped every row with this moment; spread those published already as their
        # publication dates are. A scheduled term was written before its date: stamped in the future,
        # the 1% scheduled led the "recently updated" index, and the home page read past 1,000 of
        # them for its eight (0.75 ms at 100,000 terms on SQLite, 1.5 on PostgreSQL).
        Term.objects.filter(published_at__lte=now).update(
            created_at=F("published_at"), updated_at=F("published_at")
        )
        insert(Term.categories.through, ["term", "category"], categorised)
        insert(TaggedTerm, ["content_object", "tag"], tagged)
        insert(Term.benefits.through, ["term", "benefit"], benefitted)
        insert(Term.risks.through, ["term", "risk"], risked)
        insert(Source, ["term", "title", "publisher", "url", "position"], sources)
        insert(TermRelation, ["from_term", "to_term", "kind"], relations)
        insert(Mention, ["source", "target", "name"], mentions)
        log(f"  categories, tags, benefits, risks, sources, relations in {time.perf_counter() - timed:.1f} s")

    timed = time.perf_counter()
    call_command("refresh_search", verbosity=0)  # as a deployment does after a large import
    log(f"  search postings built in {time.perf_counter() - timed:.1f} s")

    timed = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would do soon after a bulk load: the triggers left dead index rows, and
        # the planners need statistics.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    log(f"  statistics gathered in {time.perf_counter() - timed:.1f} s")


def insert(model, fields, rows):
    """Rows given as tuples, a batch per statement: bulk_create spends longer building objects."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 - our names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10 * BATCH):
            cursor.executemany(sql, rows[start : start + 10 * BATCH])


def mark(key):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (build varchar(64) NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (build) VALUES (%s)", [key])  # noqa: S608 - a constant


def facts(seed):
    """What the benchmark asks for, read back from the database (so a reused build answers too)."""
    published = Term.objects.published()
    rng = random.Random(seed + 1)
    terms = list(published.order_by("pk").values_list("slug", "headword", "expansion"))
    in_published = Q(terms__in=published)
    categories = Category.objects.annotate(n=Count("terms", filter=in_published)).filter(n__gt=0)
    tag_counts = (
        TaggedTerm.objects.filter(content_object__in=published)
        .values("tag__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "tag__slug")
    )
    return {
        "vendor": connection.vendor,
        "terms": published.count(),
        "all_terms": Term.objects.count(),
        "per_page": settings.GLOSSARY_TERMS_PER_PAGE,
        "term_sample": rng.sample(terms, min(len(terms), 4000)),
        "letters": dict(published.order_by().values_list("initial").annotate(n=Count("id"))),
        "categories": [
            {"facet": c.facet.slug, "slug": c.slug, "n": c.n}
            for c in categories.order_by("facet__position", "position")
        ],
        "tags": [{"slug": row["tag__slug"], "n": row["n"]} for row in tag_counts],
        "benefits": [
            {"slug": b.slug, "n": b.n}
            for b in Benefit.objects.annotate(n=Count("terms", filter=in_published)).filter(n__gt=0)
        ],
        "risks": [
            {"slug": r.slug, "n": r.n}
            for r in Risk.objects.annotate(n=Count("terms", filter=in_published)).filter(n__gt=0)
        ],
        # Words of moderate frequency, as readers search for: neither the commonest nor unheard of.
        "words": Words(random.Random(seed)).vocabulary[20:2000],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1989)
    parser.add_argument("--force", action="store_true", help="rebuild even if the database holds this build")
    parser.add_argument("--json", action="store_true", help="print the benchmark's facts as one JSON line")
    args = parser.parse_args()
    key = build_key(args.size, args.seed)
    if stored_key() == key and not args.force:
        call_command("migrate", verbosity=0)
        log(
            f"# {connection.vendor}: reusing the {args.size}-term build in {connection.settings_dict['NAME']}"
        )
    else:
        log(f"# {connection.vendor}: building {args.size} terms in {connection.settings_dict['NAME']}")
        started = time.perf_counter()
        rebuild_database()
        populate(args.size, args.seed)
        mark(key)
        log(f"# built in {time.perf_counter() - started:.0f} s")
    if args.json:
        print(json.dumps(facts(args.seed)))


if __name__ == "__main__":
    main()
