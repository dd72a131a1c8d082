"""The term index's filters, and each option's count of terms given the other filters.

The declared filters apply to a TermQuerySet and to the same terms as `Places`
(glossary.termsets): counts and pages of the index, and the terms a search ranks, come from the
latter; the former is what the tests check them against."""

import copy
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import NamedTuple
from urllib.parse import quote_plus

import django_filters
from django import forms
from django.utils.functional import SimpleLazyObject, cached_property
from django_filters.fields import ChoiceField, MultipleChoiceField

from .cache import remembered
from .catalogs import categories_by_key
from .models import LETTERS, Term
from .search import Search
from .search.text import MAX_LENGTH as MAX_QUERY_LENGTH
from .termsets import Places, current
from .validators import TAGS_PER_TERM

TAG_OPTIONS = 30  # the sidebar lists this many of the most used tags among the terms listed


class Option(NamedTuple):  # a sidebar makes some 180: a tuple is made in a third of the time
    label: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


class TermFilterForm(forms.Form):
    REPEATABLE = ("category", "tag")

    def clean_q(self):
        """Long or messy input is clamped, not refused: readers paste all sorts."""
        return " ".join(self.cleaned_data["q"].split())[:MAX_QUERY_LENGTH]

    def clean(self):
        """Each repeatable filter keeps its known values, once each: an unknown one (a tag since
        removed, in a bookmarked link) is reported by its field's error and the rest still apply."""
        cleaned = super().clean()
        for name in self.REPEATABLE:
            field = self.fields[name]
            cleaned[name] = [
                value for value in dict.fromkeys(self.data.getlist(name)) if field.valid_value(value)
            ]
        return cleaned


@dataclass(frozen=True)
class Counts:
    """How many terms each option would leave: the same for every request with these filters and
    this content version, so each process keeps them (glossary.cache.remembered)."""

    letters: dict[str, int]
    categories: dict[int, int]
    tags: list[tuple[str, str, int]]  # (slug, name, count) of the most used tags

    @property
    def total(self):
        return sum(self.letters.values())


def choices(labels):
    """A choice field's (value, label) pairs of {value: label}, as a function: a form's fields copy
    a function as it is, where they deep-copied a list (twice a page)."""
    pairs = list(labels.items())
    return lambda: pairs


@lru_cache(maxsize=4096)
def encoded(name, value):
    """The `name=value` part of a query string, as urlencode makes it: a sidebar's 180 links are
    made of a few dozen, the same on many pages."""
    return f"{name}={quote_plus(value)}"


class KnownChoices:
    """A choice field of flat choices whose `valid_value` is one look-up among their values, where
    Django's goes through every choice (each category of the sidebar, for each value asked for,
    twice)."""

    def valid_value(self, value):
        if (known := self.__dict__.get("known")) is None:
            known = self.known = {str(choice) for choice, _ in self.choices}
        return str(value) in known


class CopiedAsMade:
    """A declared filter that a FilterSet's deep copy of its filters (on each request) copies as
    its own __init__ would have made it: settings shared, `extra` its own and the method bound to
    the copy. Python's deepcopy went through some forty values a filter: a tenth of a search's
    Python time went to making the index's FilterSet."""

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.extra = dict(self.extra)
        copied.method = self.method  # a FilterMethod of the copy, in place of the original's
        return copied


class TextFilter(CopiedAsMade, django_filters.CharFilter):
    pass


class KnownChoiceFilter(CopiedAsMade, django_filters.ChoiceFilter):
    field_class = type("KnownChoiceField", (KnownChoices, ChoiceField), {})


class KnownMultipleChoiceFilter(CopiedAsMade, django_filters.MultipleChoiceFilter):
    field_class = type("KnownMultipleChoiceField", (KnownChoices, MultipleChoiceField), {})


class TermFilter(django_filters.FilterSet):
    """Narrows published terms by a search query, letter, category (OR within a facet, AND across)
    and tag. Invalid values are reported on the form and ignored; the rest still apply."""

    q = TextFilter(label="Search", method="filter_text")
    # Labels given: django-filter would otherwise look them up in the model's fields on each request.
    letter = KnownChoiceFilter(
        label="Letter",
        choices=choices({letter: letter for letter in LETTERS}),
        empty_label="Any letter",
        method="filter_letter",
    )
    category = KnownMultipleChoiceFilter(label="Category", choices=[], method="filter_categories")
    tag = KnownMultipleChoiceFilter(label="Tag", choices=[], method="filter_tags")

    class Meta:
        model = Term
        fields = ["q", "letter", "category", "tag"]
        form = TermFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, Term.objects.all() if queryset is None else queryset, **kwargs)
        if queryset is None:
            # The published terms, for the declared filters to narrow as a QuerySet (`qs`); made
            # only if asked for, as the index narrows `Places` (`narrowed`): making it was 2% of a
            # search. (FilterSet's __init__ asks the QuerySet for its model, hence not given it.)
            self.queryset = SimpleLazyObject(Term.objects.published)
        self.categories, category_choices = categories_by_key()
        # Only the tags asked for, as there may be thousands; no term has more than TAGS_PER_TERM,
        # so asking for more could only find nothing.
        asked = data.getlist("tag")[:TAGS_PER_TERM] if data else []
        self.tags = {slug: tag for slug in asked if (tag := current().tag_at(slug))}  # TagSets
        self.filters["category"].extra["choices"] = lambda: category_choices
        self.filters["tag"].extra["choices"] = choices({slug: tag.name for slug, tag in self.tags.items()})

    @cached_property
    def values(self):
        """The valid filters, once the form is validated: asked for by each of a sidebar's links."""
        self.errors  # noqa: B018 - validates the form and fills cleaned_data
        return self.form.cleaned_data

    @cached_property
    def search(self):
        """The text query, ranked by relevance; respelled once here, not per count."""
        return Search(self.values.get("q") or "")

    def selected_categories(self):
        return [self.categories[key] for key in self.values.get("category", [])]

    def filter_text(self, queryset, name, value):
        return queryset.matching(self.search)

    def filter_letter(self, queryset, name, value):
        return queryset.starting_with(value)

    def filter_categories(self, queryset, name, keys):
        return queryset.in_categories([self.categories[key] for key in keys])

    def filter_tags(self, queryset, name, slugs):
        return queryset.tagged(*slugs)

    def narrowed(self, **values):
        """The terms the declared filters leave, as Places, with some of their values replaced as
        `filter_queryset` applies them: an option's count is of the terms choosing it would leave."""
        places = Places.published()
        for name, value in {**self.values, **values}.items():
            places = self.filters[name].filter(places, value)
        return places

    @cached_property
    def key(self):
        """The valid filter values, as a cache key's parts: the same for every page of one list."""
        values = self.values
        q, letter = values.get("q") or "", values.get("letter") or ""
        return (q, letter, *values.get("category", []), "|", *values.get("tag", []))

    @cached_property
    def counts(self):
        return remembered("index-counts", *self.key, compute=self._counts)

    def _counts(self):
        """Each facet with a selection has its own options counted as if none of them were chosen:
        choosing another widens the list."""
        listed = self.narrowed()
        categories = listed.count_by_category(self.categories.values())
        chosen = self.selected_categories()
        for facet_id in {category.facet_id for category in chosen}:
            others = [category.key for category in chosen if category.facet_id != facet_id]
            facet = [category for category in self.categories.values() if category.facet_id == facet_id]
            categories.update(self.narrowed(category=others).count_by_category(facet))
        return Counts(
            letters=self.narrowed(letter="").count_by_initial(),
            categories=categories,
            tags=[(tag.slug, tag.name, n) for tag, n in listed.most_used_tags(TAG_OPTIONS)],
        )

    def count(self):
        """How many terms the filters leave: from the letter counts, not another query."""
        letter = self.values.get("letter")
        return self.counts.letters.get(letter, 0) if letter else self.counts.total

    # Options and their counts ----------------------------------------------------------------

    @cached_property
    def _query_parts(self):
        """{filter: its `name=value` parts of a query string}, for the valid filters."""
        values = self.values
        return {
            "q": [f"q={quote_plus(values['q'])}"] if values.get("q") else [],  # not kept: a reader's text
            "letter": [encoded("letter", values["letter"])] if values.get("letter") else [],
            "category": [encoded("category", key) for key in values.get("category", [])],
            "tag": [encoded("tag", slug) for slug in values.get("tag", [])],
        }

    @cached_property
    def _around(self):
        """{filter: (the query string's parts before its own, those after), each joined}: a link
        that changes one filter is its new parts between the two. 1 µs a link, against 3 for the
        query string joined afresh (a sidebar has some 90)."""
        parts = self._query_parts
        names = list(parts)

        def joined(some):
            return "&".join(chain.from_iterable(parts[name] for name in some))

        return {name: (joined(names[:at]), joined(names[at + 1 :])) for at, name in enumerate(names)}

    def _url(self, name, parts):
        """A link to the index with the valid filters, `name`'s encoded parts replaced by `parts`,
        and no page number."""
        before, after = self._around[name]
        return "?" + "&".join(part for part in (before, *parts, after) if part)

    def _toggle_url(self, name, value):
        """A link to the index with `value` of the filter `name` chosen if it was not, else not."""
        part, parts = encoded(name, value), self._query_parts[name]
        return self._url(
            name, [other for other in parts if other != part] if part in parts else [*parts, part]
        )

    def facet_options(self):
        """[(facet, [Option, ...]), ...]"""
        selected = {c.key for c in self.selected_categories()}
        counts = self.counts.categories
        groups = {}
        for key, category in self.categories.items():
            count = counts.get(category.pk, 0)
            if count or key in selected:
                groups.setdefault(category.facet, []).append(
                    Option(category.name, count, key in selected, self._toggle_url("category", key))
                )
        return list(groups.items())

    def tag_options(self):
        """The most used tags among the terms listed, then any chosen tag beyond them (which every
        listed term has)."""
        selected = self.values.get("tag", [])
        shown = [
            Option(name, n, slug in selected, self._toggle_url("tag", slug))
            for slug, name, n in self.counts.tags
        ]
        listed = {slug for slug, _, _ in self.counts.tags}
        shown += [
            Option(self.tags[slug].name, self.count(), True, self._toggle_url("tag", slug))
            for slug in selected
            if slug not in listed
        ]
        return shown

    def letter_options(self):
        current = self.values.get("letter")
        counts = self.counts.letters
        return [
            Option(
                letter,
                counts.get(letter, 0),
                letter == current,
                self._url("letter", [] if letter == current else [encoded("letter", letter)]),
            )
            for letter in LETTERS
        ]

    def active_filters(self):
        """Chips for each active filter, each with the URL that removes just that one."""
        values = self.values
        chips = []
        if values.get("q"):
            chips.append(Chip(f"“{values['q']}”", self._url("q", [])))
        if values.get("letter"):
            chips.append(Chip(f"Letter {values['letter']}", self._url("letter", [])))
        for category in self.selected_categories():
            chips.append(Chip(str(category), self._toggle_url("category", category.key)))
        for slug in values.get("tag", []):
            chips.append(Chip(f"#{self.tags[slug].name}", self._toggle_url("tag", slug)))
        return chips
