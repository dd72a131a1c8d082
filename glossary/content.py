"""A term as the content file (fixtures/glossary.yaml) writes it: one plain structure for the seed,
for an export, for a revision in the editors' history, for comparing two of them and for restoring
one; and the writing of such an entry's parts back onto a term."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from .models import FAQ, Alias, Source, Term, TermRelation
from .validators import PARTS, validate_tags

FIELDS = ["slug", "headword", "expansion", "definition", "body"]  # what an entry sets on the term


def with_parts(terms):
    """`terms` (a queryset) with what their entries hold, read in one query per kind of part for
    each batch of terms."""
    relations = TermRelation.objects.select_related("to_term").only("kind", "from_term", "to_term__slug")
    return terms.prefetch_related(
        "categories__facet",
        "benefits",
        "risks",
        "tags",
        "aliases",
        "faqs",
        "sources",
        Prefetch("relations_out", queryset=relations.order_by("kind", "to_term__slug")),
    )


def term_entry(term):
    """`term` with its parts and the relations entered on it, as fresh reads (not what a prefetch
    may hold): ten small queries, by index."""
    return entry_of(with_parts(Term.objects.filter(pk=term.pk)).get())


def entry_of(term):
    """The entry of `term`, read through with_parts."""
    return {
        **{name: getattr(term, name) for name in FIELDS},
        "status": term.status,
        "published_at": term.published_at.isoformat() if term.published_at else None,
        "categories": sorted(category.key for category in term.categories.all()),
        "tags": sorted((tag.name for tag in term.tags.all()), key=str.casefold),
        "benefits": sorted(benefit.slug for benefit in term.benefits.all()),
        "risks": sorted(risk.slug for risk in term.risks.all()),
        "aliases": sorted((alias.name for alias in term.aliases.all()), key=str.casefold),
        "faqs": [{"question": faq.question, "answer": faq.answer} for faq in term.faqs.all()],
        "sources": [
            {"title": source.title, "publisher": source.publisher, "url": source.url}
            for source in term.sources.all()
        ],
        "related": [
            {"kind": relation.kind, "term": relation.to_term.slug} for relation in term.relations_out.all()
        ],
    }


# Writing an entry's parts: shared by the importer and by restoring a revision.


def text_of(entry, name, required=True):
    """`entry[name]`, text; empty when absent unless `required`."""
    value = entry.get(name)
    if required and not value:
        raise ValidationError({name: "is missing."})
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: "must be text."})
    return value


def list_of(entry, name, limit=PARTS):
    """`entry[name]`, a list of at most `limit` items (as many as the admin's inlines take)."""
    value = entry.get(name, [])
    if not isinstance(value, list):
        raise ValidationError({name: "must be a list."})
    if len(value) > limit:
        raise ValidationError({name: f"at most {limit} entries (this has {len(value)})."})
    return value


def saved_valid(row):
    """`row`, saved once it obeys the editor's rules (lengths, names that clash with another term's,
    http(s) sources only, no relation to itself or back again)."""
    row.full_clean()
    row.save()
    return row


def parts_set(term, entry, *, categories, benefits, risks):
    """Give `term` the parts `entry` lists: categories, benefits and risks (keys into the mappings
    given), tags, aliases, FAQ and sources. A ValidationError names the part at fault."""
    for name, known in (("categories", categories), ("benefits", benefits), ("risks", risks)):
        missing = [key for key in list_of(entry, name, 10_000) if key not in known]
        if missing:
            raise ValidationError({name: f"unknown {', '.join(map(str, missing))}."})
    term.categories.set([categories[key] for key in entry.get("categories", [])])
    term.benefits.set([benefits[slug] for slug in entry.get("benefits", [])])
    term.risks.set([risks[slug] for slug in entry.get("risks", [])])
    tags = list_of(entry, "tags")
    if not all(isinstance(tag, str) for tag in tags):
        raise ValidationError({"tags": "must be a list of names."})
    validate_tags(tags)
    term.tags.set(tags, clear=True)
    term.aliases.all().delete()
    for name in list_of(entry, "aliases"):
        try:
            saved_valid(Alias(term=term, name=name))
        except ValidationError as error:
            raise ValidationError({"aliases": " ".join(error.messages)}) from error
    term.faqs.all().delete()
    for position, faq in enumerate(list_of(entry, "faqs")):
        question, answer = text_of(faq, "question"), text_of(faq, "answer")
        saved_valid(FAQ(term=term, question=question, answer=answer, position=position))
    term.sources.all().delete()
    for position, source in enumerate(list_of(entry, "sources")):
        saved_valid(
            Source(
                term=term,
                title=text_of(source, "title"),
                publisher=text_of(source, "publisher", False),
                url=text_of(source, "url", False),
                position=position,
            )
        )


def relations_set(term, related, *, terms):
    """Make the relations entered on `term` those of `related` ({kind, term: slug} each); `terms`
    maps each slug to its Term."""
    term.relations_out.all().delete()
    for relation in list_of({"related": related}, "related"):
        other = relation.get("term")
        if other not in terms:
            raise ValidationError({"related": f"relation to a missing term “{other}”."})
        kind = relation.get("kind")
        if kind not in TermRelation.Kind.values:
            raise ValidationError({"related": f"unknown kind “{kind}”."})
        try:
            saved_valid(TermRelation(from_term=term, to_term=terms[other], kind=kind))
        except ValidationError as error:
            raise ValidationError({"related": f"to {other}: {' '.join(error.messages)}"}) from error
