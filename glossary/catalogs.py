"""The short lists every page may show from: categories with their facets, benefits and risks,
read once per content version in each process, so that a category, benefit or risk page finds
its subject without a query."""

from types import MappingProxyType

from .cache import kept
from .models import Benefit, Category, Risk


def all_categories():
    """Every category with its facet, in display order."""
    return kept("categories", compute=lambda: list(Category.objects.all()))


def categories_by_key():
    """{key ("facet-slug/slug"): category} of every category, in display order, and the choices
    of a form's field of them: made once per content version, not for each index page."""
    return kept("categories-by-key", compute=_categories_by_key)


def _categories_by_key():
    by_key = {category.key: category for category in all_categories()}
    # Read-only: every request of the content version shares them.
    return MappingProxyType(by_key), tuple((key, str(category)) for key, category in by_key.items())


def benefits_by_id():
    return kept("benefits", compute=Benefit.objects.in_bulk)


def risks_by_id():
    return kept("risks", compute=Risk.objects.in_bulk)


def category_at(facet_slug, slug):
    """The category at that address, or None."""
    return next((c for c in all_categories() if c.slug == slug and c.facet.slug == facet_slug), None)


def benefit_at(slug):
    return _with_slug(benefits_by_id().values(), slug)


def risk_at(slug):
    return _with_slug(risks_by_id().values(), slug)


def _with_slug(rows, slug):
    return next((row for row in rows if row.slug == slug), None)
