"""What needs a publisher's attention in the content: the checks of `manage.py content_report`,
whose counts the desk shows with a link to the whole report."""

from dataclasses import dataclass, field

from glossary.link_checks import broken_links, linked_by_slug
from glossary.models import Term

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
        Check(
            "review-due",
            "Due for review",
            [(term, _last_review(term)) for term in by_headword.review_due().select_related("steward")],
        ),
    ]


def _last_review(term):
    reviewed = f"last reviewed {term.reviewed_at:%Y-%m-%d}" if term.reviewed_at else "never reviewed"
    return f"{reviewed}, steward {term.steward or 'none'}"
