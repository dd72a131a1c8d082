"""Writes that span several models: applying an entry to a term, and keeping the mentions of one
term in another current."""

from itertools import batched

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q

from . import linking
from .content import FIELDS, parts_set, relations_set, saved_valid
from .models import FAQ, Alias, Benefit, Category, Mention, OldAddress, Risk, Term
from .search import engine


class ContentError(ValueError):
    """An entry that cannot be applied: it refers to something missing, or is malformed."""


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
        saved_valid(term)
        categories = {category.key: category for category in Category.objects.all()}
        benefits = Benefit.objects.in_bulk(field_name="slug")
        risks = Risk.objects.in_bulk(field_name="slug")
        slugs = {relation["term"] for relation in entry["related"]}
        found = {other.slug: other for other in Term.objects.filter(slug__in=slugs)}
        for old in OldAddress.objects.filter(slug__in=slugs - found.keys()).select_related("term"):
            found[old.slug] = old.term  # renamed since
        found = {slug: other for slug, other in found.items() if other.pk != term.pk}
        existing = {
            **entry,
            "categories": [key for key in entry["categories"] if key in categories],
            "benefits": [slug for slug in entry["benefits"] if slug in benefits],
            "risks": [slug for slug in entry["risks"] if slug in risks],
        }
        parts_set(term, existing, categories=categories, benefits=benefits, risks=risks)
        relations_set(term, [r for r in entry["related"] if r["term"] in found], terms=found)
        mentions_refresh(term=term)
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise ContentError(str(error)) from error
    return term


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
