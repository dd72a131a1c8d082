"""Writes that span several models: loading a content file into the glossary, and keeping the
mentions of one term in another current."""

from dataclasses import dataclass, field
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q

from . import linking
from .content import FIELDS
from .models import (
    FAQ,
    Alias,
    Benefit,
    Category,
    Facet,
    Mention,
    OldAddress,
    Risk,
    Source,
    Term,
    TermRelation,
)
from .search import engine
from .validators import PARTS, validate_tags


class ContentError(ValueError):
    """The content file refers to something it does not define, or has a malformed entry."""


@dataclass
class ImportReport:
    created: dict[type, int] = field(default_factory=dict)
    skipped: dict[type, int] = field(default_factory=dict)

    def count(self, model, created):
        bucket = self.created if created else self.skipped
        bucket[model] = bucket.get(model, 0) + 1


@transaction.atomic
def content_import(*, data, update=False):
    """Create what `data` defines and is missing; existing rows are kept unless `update`.

    Keeping existing rows by default means re-running the seed never overwrites an editor's
    changes. `data` is the parsed structure of fixtures/glossary.yaml.
    """
    report = ImportReport()
    try:
        categories = _import_taxonomy(data, update, report)
        benefits = _import_simple(Benefit, data.get("benefits", []), ["name", "description"], update, report)
        risks = _import_simple(
            Risk, data.get("risks", []), ["name", "description", "mitigation"], update, report
        )
        terms = {}
        for entry in data.get("terms", []):
            term, created = _import_term(entry, categories, benefits, risks, update)
            terms[term.slug] = (term, created or update, entry)
            report.count(Term, created)
        for term, fresh, entry in terms.values():
            if fresh:
                _import_relations(term, entry.get("related", []), terms)
        for term, fresh, _ in terms.values():
            if fresh:
                mentions_refresh(term=term)
    except KeyError as error:
        raise ContentError(f"Unknown or missing reference: {error}") from error
    except (TypeError, ValueError, ValidationError) as error:
        raise ContentError(str(error)) from error
    return report


def _within_parts(owner, kind, entries):
    """As many of a term's or facet's parts as the admin's inlines take (else it could not be saved
    there again)."""
    if len(entries) > PARTS:
        raise ContentError(f"{owner} has {len(entries)} {kind}; at most {PARTS} are allowed.")
    return entries


def _import_taxonomy(data, update, report):
    categories = {}
    for position, entry in enumerate(data.get("facets", [])):
        facet, created = _upsert(
            Facet,
            entry["slug"],
            update,
            name=entry["name"],
            description=entry.get("description", ""),
            position=position,
        )
        report.count(Facet, created)
        for cat_position, cat in enumerate(
            _within_parts(facet.slug, "categories", entry.get("categories", []))
        ):
            category, created = _upsert(
                Category,
                cat["slug"],
                update,
                facet=facet,
                name=cat["name"],
                description=cat.get("description", ""),
                position=cat_position,
            )
            report.count(Category, created)
            categories[category.key] = category
    return categories


def _import_simple(model, entries, fields, update, report):
    rows = {}
    for entry in entries:
        row, created = _upsert(model, entry["slug"], update, **{name: entry.get(name, "") for name in fields})
        report.count(model, created)
        rows[row.slug] = row
    return rows


def _upsert(model, slug, update, **values):
    """The row with `slug` (within its facet, for a category), created or, with `update`, changed."""
    lookup = {"slug": slug, **({"facet": values["facet"]} if "facet" in values else {})}
    row = model.objects.filter(**lookup).first()
    if row and not update:
        return row, False
    created = row is None
    row = row or model(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    _save_valid(row)
    return row, created


def _import_term(entry, categories, benefits, risks, update):
    if not isinstance(entry["definition"], str):
        raise ContentError(f"The definition of {entry['slug']} must be text.")
    values = {
        "headword": entry["headword"],
        "expansion": entry.get("expansion") or "",
        "definition": " ".join(entry["definition"].split()),
        "body": entry.get("body", ""),
        "status": entry.get("status", Term.Status.PUBLISHED),
    }
    term, created = _upsert(Term, entry["slug"], update, **values)
    if created or update:
        _set_parts(term, entry, categories, benefits, risks)
    return term, created


def _set_parts(term, entry, categories, benefits, risks):
    term.categories.set([categories[key] for key in entry.get("categories", [])])
    term.benefits.set([benefits[slug] for slug in entry.get("benefits", [])])
    term.risks.set([risks[slug] for slug in entry.get("risks", [])])
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ContentError(f"The tags of {term.slug} must be a list of names.")
    try:
        validate_tags(tags)
    except ValidationError as error:
        raise ContentError(f"The tags of {term.slug}: {' '.join(error.messages)}") from error
    term.tags.set(tags, clear=True)
    term.aliases.all().delete()
    for name in _within_parts(term.slug, "aliases", entry.get("aliases", [])):
        _save_valid(Alias(term=term, name=name))
    term.faqs.all().delete()
    for position, faq in enumerate(_within_parts(term.slug, "FAQ entries", entry.get("faqs", []))):
        _save_valid(FAQ(term=term, question=faq["question"], answer=faq["answer"], position=position))
    term.sources.all().delete()
    for position, source in enumerate(_within_parts(term.slug, "sources", entry.get("sources", []))):
        _save_valid(
            Source(
                term=term,
                title=source["title"],
                publisher=source.get("publisher", ""),
                url=source.get("url", ""),
                position=position,
            )
        )


@transaction.atomic
def term_apply(*, term, entry):
    """Make `term` what `entry` (a glossary.content.term_entry) says: its fields, its parts and the
    relations entered on it; its status is left as it is. A related term renamed since is found by
    its old address; what no longer exists (a category, benefit or risk deleted since, a related
    term gone) is left out. Returns `term`, saved.
    """
    try:
        for name in FIELDS:
            setattr(term, name, entry[name])
        _save_valid(term)
        categories = {category.key: category for category in Category.objects.all()}
        benefits = Benefit.objects.in_bulk(field_name="slug")
        risks = Risk.objects.in_bulk(field_name="slug")
        slugs = {relation["term"] for relation in entry["related"]}
        found = {other.slug: other for other in Term.objects.filter(slug__in=slugs)}
        for old in OldAddress.objects.filter(slug__in=slugs - found.keys()).select_related("term"):
            found[old.slug] = old.term  # renamed since
        related = {slug: (other,) for slug, other in found.items() if other.pk != term.pk}
        existing = {
            **entry,
            "categories": [key for key in entry["categories"] if key in categories],
            "benefits": [slug for slug in entry["benefits"] if slug in benefits],
            "risks": [slug for slug in entry["risks"] if slug in risks],
        }
        _set_parts(term, existing, categories, benefits, risks)
        _import_relations(term, [r for r in entry["related"] if r["term"] in related], related)
        mentions_refresh(term=term)
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise ContentError(str(error)) from error
    return term


def _save_valid(row):
    """Every row obeys the editor's rules (lengths, names that clash with another term's, http(s)
    sources only, no relation to itself or back again) before the database sees it."""
    row.full_clean()
    row.save()


def _import_relations(term, related, terms):
    term.relations_out.all().delete()
    for relation in _within_parts(term.slug, "related terms", related):
        kind = TermRelation.Kind(relation["kind"])
        other = terms[relation["term"]][0]
        _save_valid(TermRelation(from_term=term, to_term=other, kind=kind))


@transaction.atomic
def mentions_refresh(*, term):
    """Keep the links from and to `term` right after its text or its names changed (or it was
    made): which other terms its article and FAQ answers name, and which other terms' texts name it.
    Publishing, unpublishing, deleting and renaming its address need nothing: a reader's page links
    only to published terms, and by id. Called by every service that writes a term's text."""
    fragments = _fragments(term)
    spellings = linking.candidate_names(fragments)
    Mention.objects.in_text_of(term).delete()
    Mention.objects.bulk_create(
        Mention(source=term, target_id=pk, name=name)
        for pk, name in _named(spellings, exclude=term.pk)
        if linking.mentioned(name, spellings[name.lower()])
    )
    names = {term.headword, term.expansion, *term.aliases.values_list("name", flat=True)} - {""}
    Mention.objects.of_names_of(term).exclude(name__in=names).delete()
    Mention.objects.bulk_create(
        (
            Mention(source=source, target=term, name=name)
            for source in _texts_naming(names, exclude=term.pk)
            for name in linking.names_mentioned(
                [source.body_html, *(faq.answer_html for faq in source.faqs.all())], names
            )
        ),
        ignore_conflicts=True,
    )


def _fragments(term):
    return [term.body_html, *FAQ.objects.filter(term=term).values_list("answer_html", flat=True)]


def _named(spellings, *, exclude):
    """(id, name as written) of the terms but `exclude` whose headword, expansion or an alias is one
    of `spellings` (lower case): by the name indexes, a few thousand names a query."""
    key = engine().name_key
    found = set()
    for chunk in batched(spellings, 2000):
        for name in ("headword", "expansion"):
            found |= set(
                Term.objects.exclude(pk=exclude)
                .alias(key=key(name))
                .filter(key__in=chunk)
                .values_list("pk", name)
            )
        found |= set(
            Alias.objects.exclude(term_id=exclude)
            .alias(key=key("name"))
            .filter(key__in=chunk)
            .values_list("term_id", "name")
        )
    return found


def _texts_naming(names, *, exclude):
    """Terms but `exclude` whose article or an FAQ answer may name one of `names`: a scan of the
    texts, as a write may afford (a few hundred milliseconds at 100,000 terms)."""
    stems = {name.lower().removesuffix("y") for name in names}
    condition = Q()
    for stem in stems:
        condition |= Q(body_text__icontains=stem) | Q(
            pk__in=FAQ.objects.filter(answer__icontains=stem).values("term_id")
        )
    answers = Prefetch("faqs", queryset=FAQ.objects.only("term_id", "answer_html"))
    return (
        Term.objects.exclude(pk=exclude).filter(condition).only("pk", "body_html").prefetch_related(answers)
    )
