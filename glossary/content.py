"""A term as the content file (fixtures/glossary.yaml) writes it: one plain structure for the seed,
for a revision in the editors' history, for comparing two of them and for restoring one."""

from .models import Term

FIELDS = ["slug", "headword", "expansion", "definition", "body"]  # what an entry sets on the term


def term_entry(term):
    """`term` with its parts and the relations entered on it, as fresh reads (not what a prefetch
    may hold): seven small queries, by index."""
    term = Term.objects.prefetch_related("categories__facet", "benefits", "risks").get(pk=term.pk)
    return {
        **{name: getattr(term, name) for name in FIELDS},
        "status": term.status,
        "published_at": term.published_at.isoformat() if term.published_at else None,
        "categories": sorted(category.key for category in term.categories.all()),
        "tags": sorted(term.tags.names(), key=str.casefold),
        "benefits": sorted(benefit.slug for benefit in term.benefits.all()),
        "risks": sorted(risk.slug for risk in term.risks.all()),
        "aliases": sorted(term.aliases.values_list("name", flat=True), key=str.casefold),
        "faqs": [
            {"question": question, "answer": answer}
            for question, answer in term.faqs.values_list("question", "answer")
        ],
        "sources": [
            {"title": title, "publisher": publisher, "url": url}
            for title, publisher, url in term.sources.values_list("title", "publisher", "url")
        ],
        "related": [
            {"kind": kind, "term": slug}
            for kind, slug in term.relations_out.order_by("kind", "to_term__slug").values_list(
                "kind", "to_term__slug"
            )
        ],
    }
