"""Small builders for test rows: each test creates only what it asserts on."""

from itertools import count

from django.utils import timezone

from glossary.models import FAQ, Alias, Benefit, Category, Facet, Risk, Source, Term, TermRelation

_seq = count(1)


def facet(**values):
    n = next(_seq)
    values = {"name": f"Facet {n}", "slug": f"facet-{n}", **values}
    return Facet.objects.create(**values)


def category(facet_=None, **values):
    n = next(_seq)
    values = {"name": f"Category {n}", "slug": f"category-{n}", **values}
    return Category.objects.create(facet=facet_ or facet(), **values)


def term(*, categories=(), tags=(), aliases=(), **values):
    n = next(_seq)
    values = {
        "headword": f"Term {n}",
        "slug": f"term-{n}",
        "definition": f"Definition of term {n}.",
        "status": Term.Status.PUBLISHED,
        **values,
    }
    row = Term.objects.create(**values)
    if categories:
        row.categories.set(categories)
    if tags:
        row.tags.set(list(tags))
    for name in aliases:
        Alias.objects.create(term=row, name=name)
    return row


def draft(**values):
    return term(status=Term.Status.DRAFT, **values)


def scheduled(**values):
    """Published, but with a publication date in the future."""
    return term(published_at=timezone.now() + timezone.timedelta(days=2), **values)


def benefit(**values):
    n = next(_seq)
    return Benefit.objects.create(
        **{"name": f"Benefit {n}", "slug": f"benefit-{n}", "description": "Good.", **values}
    )


def risk(**values):
    n = next(_seq)
    return Risk.objects.create(
        **{"name": f"Risk {n}", "slug": f"risk-{n}", "description": "Bad.", "mitigation": "Care.", **values}
    )


def relation(from_term, to_term, kind=TermRelation.Kind.SEE_ALSO):
    return TermRelation.objects.create(from_term=from_term, to_term=to_term, kind=kind)


def faq(term_, **values):
    return FAQ.objects.create(term=term_, **{"question": "Why?", "answer": "Because.", **values})


def source(term_, **values):
    return Source.objects.create(term=term_, **{"title": "A source", "publisher": "A publisher", **values})
