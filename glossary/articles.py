"""What an article page shows of a term's classification: its categories by facet, tags,
benefits and risks. For a published term they come from the term sets and the catalogues of the
content version, not four queries a page; a draft or a scheduled term (only staff see one) and a
preview of a proposed change read the term's own rows."""

from dataclasses import dataclass

from .cache import apart
from .catalogs import all_categories, benefits_by_id, risks_by_id
from .termsets import current


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
