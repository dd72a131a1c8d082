"""The term index's filters, and each option's count of terms given the other filters."""

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Count
from django.utils.functional import cached_property
from django.utils.http import urlencode

from .models import LETTERS, Category, TaggedTerm, Term, published_tags
from .search import Search
from .search.text import MAX_LENGTH as MAX_QUERY_LENGTH


@dataclass(frozen=True)
class Option:
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


class TermFilter(django_filters.FilterSet):
    """Narrows published terms by a search query, letter, category (OR within a facet, AND across) and tag.

    `filter_queryset` applies the cleaned values itself so that the option counts can reuse it
    with one filter left out; invalid values are reported on the form and ignored.
    """

    q = django_filters.CharFilter(label="Search")
    letter = django_filters.ChoiceFilter(
        choices=[(letter, letter) for letter in LETTERS], empty_label="Any letter"
    )
    category = django_filters.MultipleChoiceFilter(choices=[])
    tag = django_filters.MultipleChoiceFilter(choices=[])

    class Meta:
        model = Term
        fields = ["q", "letter", "category", "tag"]
        form = TermFilterForm

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.categories = {c.key: c for c in Category.objects.all()}
        self.tags = {tag.slug: tag for tag in published_tags().order_by("name")}
        self.filters["category"].extra["choices"] = [(k, str(c)) for k, c in self.categories.items()]
        self.filters["tag"].extra["choices"] = [(slug, tag.name) for slug, tag in self.tags.items()]

    @property
    def values(self):
        self.errors  # noqa: B018 - validates the form and fills cleaned_data
        return self.form.cleaned_data

    @cached_property
    def search(self):
        """The text query, ranked by relevance; respelled once here, not per count."""
        return Search(self.values.get("q") or "", self.queryset)

    def selected_categories(self):
        return [self.categories[key] for key in self.values.get("category", [])]

    def filter_queryset(self, queryset, *, skip_letter=False, skip_facet=None):
        values = self.values
        if self.search:
            queryset = self.search.filter(queryset)
        if values.get("letter") and not skip_letter:
            queryset = queryset.starting_with(values["letter"])
        categories = [c for c in self.selected_categories() if c.facet_id != skip_facet]
        if categories:
            queryset = queryset.in_categories(categories)
        if values.get("tag"):
            queryset = queryset.tagged(*values["tag"])
        return queryset

    # Options and their counts ----------------------------------------------------------------

    def _url(self, **changes):
        """A link to the index with the valid filters, changed as given, and no page number."""
        values = self.values
        params = {
            "q": [values["q"]] if values.get("q") else [],
            "letter": [values["letter"]] if values.get("letter") else [],
            "category": list(values.get("category", [])),
            "tag": list(values.get("tag", [])),
            **changes,
        }
        return f"?{urlencode(params, doseq=True)}"

    def _toggle_url(self, key, value):
        current = list(self.values.get(key, []))
        changed = [v for v in current if v != value] if value in current else [*current, value]
        return self._url(**{key: changed})

    def facet_options(self):
        """[(facet, [Option, ...]), ...]: one count query, plus one per facet with a selection."""
        selected = {c.key for c in self.selected_categories()}
        counts = count_by_category(self.qs)
        for facet_id in {c.facet_id for c in self.selected_categories()}:
            counts.update(
                count_by_category(self.filter_queryset(self.queryset, skip_facet=facet_id), facet_id)
            )
        groups = {}
        for key, category in self.categories.items():
            count = counts.get(category.pk, 0)
            if count or key in selected:
                groups.setdefault(category.facet, []).append(
                    Option(category.name, count, key in selected, self._toggle_url("category", key))
                )
        return list(groups.items())

    def tag_options(self):
        selected = set(self.values.get("tag", []))
        counts = dict(
            TaggedTerm.objects.filter(content_object__in=self.qs)
            .order_by()
            .values_list("tag_id")
            .annotate(n=Count("id"))
        )
        return [
            Option(tag.name, counts.get(tag.pk, 0), slug in selected, self._toggle_url("tag", slug))
            for slug, tag in self.tags.items()
            if counts.get(tag.pk) or slug in selected
        ]

    def letter_options(self):
        current = self.values.get("letter")
        counts = dict(
            self.filter_queryset(self.queryset, skip_letter=True)
            .order_by()
            .values_list("initial")
            .annotate(n=Count("id"))
        )
        return [
            Option(
                letter,
                counts.get(letter, 0),
                letter == current,
                self._url(letter=[] if letter == current else [letter]),
            )
            for letter in LETTERS
        ]

    def active_filters(self):
        """Chips for each active filter, each with the URL that removes just that one."""
        values = self.values
        chips = []
        if values.get("q"):
            chips.append(Chip(f"“{values['q']}”", self._url(q=[])))
        if values.get("letter"):
            chips.append(Chip(f"Letter {values['letter']}", self._url(letter=[])))
        for category in self.selected_categories():
            chips.append(Chip(str(category), self._toggle_url("category", category.key)))
        for slug in values.get("tag", []):
            chips.append(Chip(f"#{self.tags[slug].name}", self._toggle_url("tag", slug)))
        return chips


def count_by_category(terms, facet_id=None):
    """Term counts per category id, optionally only for one facet's categories."""
    links = Term.categories.through.objects.filter(term__in=terms)
    if facet_id is not None:
        links = links.filter(category__facet_id=facet_id)
    return dict(links.order_by().values_list("category_id").annotate(n=Count("term_id")))
