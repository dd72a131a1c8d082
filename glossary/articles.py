"""What an article page shows of a term: the term, its other names, sources, relations, its text
with links to the terms it mentions, and its classification (categories by facet, tags, benefits
and risks).

Every article read is prepared (glossary.prepared): six statements compiled once per process,
the five after the term's own sent to PostgreSQL in one round trip.
The classification of a published term comes from the term sets and the catalogues of the
content version, not four queries a page; a draft or a scheduled term (only staff see one) and a
preview of a proposed change read the term's own rows."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from .cache import apart
from .catalogs import all_categories, benefits_by_id, risks_by_id
from .linking import Target, explicit_slugs, linked
from .models import FAQ, Alias, Mention, OldAddress, Source, Term, TermRelation
from .prepared import PreparedRead, together
from .termsets import current

published_term_at = PreparedRead(
    lambda now, slug: Term.objects.published(now).for_article().filter(slug=slug)
)
term_at = PreparedRead(lambda slug: Term.objects.for_article().filter(slug=slug))  # drafts too, for staff
aliases_of = PreparedRead(lambda term_id: Alias.objects.filter(term=term_id))
faqs_of = PreparedRead(lambda term_id: FAQ.objects.filter(term=term_id))
sources_of = PreparedRead(lambda term_id: Source.objects.filter(term=term_id))
relations_of = PreparedRead(lambda now, term_id: TermRelation.objects.around(term_id, now))
mentions_in = PreparedRead(lambda now, term_id: Mention.objects.shown_in(term_id, now))


@dataclass(frozen=True)
class Classification:
    categories: list
    tags: list  # each with a slug and a name
    benefits: list
    risks: list

    @classmethod
    def of(cls, term):
        own_rows = apart.get() or not term.is_published()
        parts = None if own_rows else current().parts_of(term.pk)
        if parts is None:
            categories, tags = list(term.categories.all()), term.tags.all()
            benefits, risks = term.benefits.all(), term.risks.all()
        else:
            categories = [category for category in all_categories() if category.pk in parts.categories]
            tags = parts.tags
            benefits = [benefits_by_id()[pk] for pk in parts.benefits]
            risks = [risks_by_id()[pk] for pk in parts.risks]
        return cls(categories, _by_name(tags), _by_name(benefits), _by_name(risks))

    def categories_by_facet(self):
        groups = {}
        for category in self.categories:
            groups.setdefault(category.facet, []).append(category)
        return list(groups.items())


def _by_name(rows):
    return sorted(rows, key=lambda row: row.name.casefold())


@dataclass(frozen=True)
class Article:
    term: Term
    other_names: list  # of its aliases
    sources: list
    text: "ArticleText"
    related: list  # (kind's label, [Term])
    classification: Classification

    @classmethod
    def at(cls, slug, *, drafts=False):
        """The article at `slug`, of a published term or, with `drafts`, of any; None if none."""
        now = timezone.now()
        found = term_at(slug) if drafts else published_term_at(now, slug)
        if not found:
            return None
        term = found[0]
        with together():  # one round trip to PostgreSQL
            aliases, sources, faqs = aliases_of.send(term.pk), sources_of.send(term.pk), faqs_of.send(term.pk)
            relations = relations_of.send(now, term.pk)
            mentions = mentions_in.send(now, term.pk) if term.link_mentions else list
        classification = Classification.of(term)
        return cls(
            term=term,
            other_names=term.other_names(aliases()),
            sources=sources(),
            text=ArticleText.of(term, faqs(), classification, mentions()),
            related=term.related_by_kind(relations()),
            classification=classification,
        )


@dataclass(frozen=True)
class ArticleText:
    """An article's body and FAQ answers as readers see them: with links to the other published
    terms they mention (the first time in the body, and in each answer) and their [[slug]] links."""

    body: str
    faqs: list  # (FAQ, its answer's HTML)

    @classmethod
    def of(cls, term, faqs, classification, mentions):
        """`mentions`: the Mentions in `term` of terms published now (`mentions_in`)."""
        fragments = [term.body_html, *(faq.answer_html for faq in faqs)]
        mentions = _mentioned(mentions, classification)
        explicit = _explicit(explicit_slugs(fragments))
        body = linked(term.body_html, mentions, explicit, set())
        return cls(body, [(faq, linked(faq.answer_html, mentions, explicit, set())) for faq in faqs])


def _target(term, text=""):
    return Target(term.get_absolute_url(), term.definition, text or term.headword)


def _mentioned(mentions, classification):
    """{name: Target} of the terms that `mentions` name. A name several of them share (RPO) leads
    to the one with most categories in common with the term (one more query, only then), else to a
    search for the name, which lists them all."""
    meanings = {}
    for mention in mentions:
        meanings.setdefault(mention.name.casefold(), []).append(mention)
    shared = _categories_shared(
        [mention.target.pk for group in meanings.values() if len(group) > 1 for mention in group],
        {category.pk for category in classification.categories},
    )
    found = {}
    for group in meanings.values():
        best = max(shared.get(mention.target.pk, 0) for mention in group)
        chosen = [mention for mention in group if shared.get(mention.target.pk, 0) == best]
        name = chosen[0].name
        if len(chosen) == 1:
            found[name] = _target(chosen[0].target)
        else:
            url = f"{reverse('glossary:search')}?{urlencode({'q': name})}"
            found[name] = Target(url, f"{name}: {len(chosen)} meanings")
    return found


def _categories_shared(term_ids, categories):
    """{term id: how many of `categories` it has} of `term_ids`."""
    if not term_ids:
        return {}
    links = Term.categories.through.objects.filter(term_id__in=term_ids, category_id__in=categories)
    counted = {}
    for term_id in links.values_list("term_id", flat=True):
        counted[term_id] = counted.get(term_id, 0) + 1
    return counted


def _explicit(slugs):
    """{slug: Target} of the published terms that `slugs` name, by their address or an old one."""
    if not slugs:
        return {}
    found = {term.slug: _target(term) for term in Term.objects.published().filter(slug__in=slugs).for_cards()}
    if missing := slugs - found.keys():
        renamed = OldAddress.objects.of_published_terms().filter(slug__in=missing).select_related("term")
        found |= {old.slug: _target(old.term) for old in renamed}
    return found
