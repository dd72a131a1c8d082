"""What needs a publisher's attention in the content: the checks of `manage.py content_report`,
whose counts the desk shows with a link to the whole report."""

from dataclasses import dataclass, field

from glossary.link_checks import broken_links, linked_by_slug
from glossary.models import Alias, Term

from .duplicates import normal

DEFINITION_LENGTH = (40, 300)  # characters: one or two sentences, as the definition's help text asks


@dataclass
class Check:
    slug: str  # the report's anchor
    title: str
    rows: list = field(default_factory=list)  # (term, what is wrong), or a pair of terms


def content_report():
    """Each check with what it found, in the report's order."""
    linked = linked_by_slug()
    shortest, longest = DEFINITION_LENGTH
    by_headword = Term.objects.order_by("initial", "headword")
    return [
        Check(
            "orphans",
            "Orphans: no relation, mention or link connects them",
            [(term, "") for term in by_headword.unconnected() if term.pk not in linked],
        ),
        Check("no-sources", "Without sources", [(term, "") for term in by_headword.without_sources()]),
        Check(
            "no-categories", "Without categories", [(term, "") for term in by_headword.without_categories()]
        ),
        Check(
            "definition-length",
            f"Definition shorter than {shortest} or longer than {longest} characters",
            [
                (term, f"{len(term.definition)} characters")
                for term in by_headword.with_definition_outside(shortest, longest)
            ],
        ),
        Check("broken-links", "Broken [[slug]] links", [(link.term, str(link)) for link in broken_links()]),
        Check("near-duplicates", "Near-duplicate names", near_duplicate_pairs()),
        Check(
            "review-due",
            "Due for review",
            [(term, _last_review(term)) for term in by_headword.review_due().select_related("steward")],
        ),
    ]


def _last_review(term):
    reviewed = f"last reviewed {term.reviewed_at:%Y-%m-%d}" if term.reviewed_at else "never reviewed"
    return f"{reviewed}, steward {term.steward or 'none'}"


def near_duplicate_pairs():
    """Pairs of terms whose names are the same once normalised (“Call-centre”, “Call center”), or
    a practice in -ing beside a name it starts (“Offshoring”, “Offshore outsourcing”): every name
    read once and grouped, so the whole glossary costs three queries and a pass. One-letter typos
    are caught as a term is saved (editorial.duplicates), not here."""
    names = [
        *Term.objects.values_list("pk", "headword"),
        *Term.objects.exclude(expansion="").values_list("pk", "expansion"),
        *Alias.objects.values_list("term_id", "name"),
    ]
    keyed = [(pk, name, normal(name)) for pk, name in names]
    by_key, by_first = {}, {}
    for pk, _, key in keyed:
        by_key.setdefault(key, set()).add(pk)
        if " " in key:
            by_first.setdefault(key.split(" ", 1)[0], set()).add(pk)
    pairs = set()
    for pk, name, key in keyed:
        others = set(by_key[key])
        if " " not in key and name.lower().endswith("ing"):
            others |= by_first.get(key, set())
        pairs |= {tuple(sorted((pk, other))) for other in others if other != pk}
    terms = Term.objects.in_bulk({pk for pair in pairs for pk in pair})
    found = [tuple(sorted((terms[a], terms[b]), key=_by_name)) for a, b in pairs]
    return sorted(found, key=lambda pair: _by_name(pair[0]))


def _by_name(term):
    return term.headword.casefold(), term.slug
