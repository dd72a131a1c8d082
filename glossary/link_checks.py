"""Links written as [[slug]] that readers see as plain text: to no term, or to one not published."""

from dataclasses import dataclass

from django.db.models import Q

from .linking import explicit_slugs
from .models import FAQ, OldAddress, Term

MARK = 'data-term="'  # how the renderer leaves a [[slug]] link in the stored HTML


@dataclass(frozen=True)
class BrokenLink:
    term: Term
    slug: str
    reason: str  # "no such term" or "not published"

    def __str__(self):
        return f"[[{self.slug}]]: {self.reason}"


def _written(terms):
    """{term: the slugs its [[slug]] links name} of those of `terms` with any: one scan of the
    stored HTML for the renderer's mark."""
    writing = terms.filter(
        Q(body_html__contains=MARK)
        | Q(pk__in=FAQ.objects.filter(answer_html__contains=MARK).values("term_id"))
    ).prefetch_related("faqs")
    return {
        term: explicit_slugs([term.body_html, *(faq.answer_html for faq in term.faqs.all())])
        for term in writing
    }


def linked_by_slug():
    """The ids of the terms some other term links to as [[slug]] (by their address or an old one)."""
    written = _written(Term.objects.all())
    slugs = set().union(*written.values())
    ids = set(Term.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    return ids | set(OldAddress.objects.filter(slug__in=slugs).values_list("term_id", flat=True))


def broken_links(terms=None):
    """The broken [[slug]] links in the articles and FAQ answers of `terms` (all by default), by
    term: one scan of the stored HTML for the renderer's mark, then one look-up of the slugs."""
    terms = Term.objects.all() if terms is None else terms
    writing = terms.filter(
        Q(body_html__contains=MARK)
        | Q(pk__in=FAQ.objects.filter(answer_html__contains=MARK).values("term_id"))
    ).prefetch_related("faqs")
    written = {
        term: explicit_slugs([term.body_html, *(faq.answer_html for faq in term.faqs.all())])
        for term in writing
    }
    slugs = set().union(*written.values())
    published = set(Term.objects.published().filter(slug__in=slugs).values_list("slug", flat=True))
    published |= set(
        OldAddress.objects.of_published_terms().filter(slug__in=slugs).values_list("slug", flat=True)
    )
    existing = set(Term.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    existing |= set(OldAddress.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return [
        BrokenLink(term, slug, "not published" if slug in existing else "no such term")
        for term, found in written.items()
        for slug in sorted(found - published)
    ]
