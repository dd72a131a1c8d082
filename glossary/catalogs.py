"""The short lists every page may show from: categories with their facets, benefits and risks,
read once per content version in each process."""

from .cache import kept
from .models import Benefit, Category, Risk


def all_categories():
    """Every category with its facet, in display order."""
    return kept("categories", compute=lambda: list(Category.objects.all()))


def benefits_by_id():
    return kept("benefits", compute=Benefit.objects.in_bulk)


def risks_by_id():
    return kept("risks", compute=Risk.objects.in_bulk)
