"""Taxonomy: facets and their categories, benefits and risks; kept while terms use them."""

from django.db import models
from django.db.models.functions import Lower

from ..addresses import address
from ..validators import visible_name
from .common import bounded_text


def terms_using(model, rows):
    """Terms that use any of `rows` (categories, benefits or risks: a `model` with `terms`)."""
    relation = model._meta.get_field("terms")
    terms = relation.related_model.objects.filter(**{f"{relation.field.name}__in": rows})
    return terms.distinct().order_by(Lower("headword"))


def refuse_deleting_used(model, rows):
    """Raises ProtectedError naming the terms if any still use one of `rows`: deleting it would take
    it off every one of them without a word."""
    using = list(terms_using(model, rows)[:11])
    if using:
        names = ", ".join(str(term) for term in using[:10]) + (" and more" if len(using) > 10 else "")
        raise models.ProtectedError(f"Terms still use it: {names}. Remove it from them first.", using)


class KeptWhileUsedQuerySet(models.QuerySet):
    def delete(self):
        refuse_deleting_used(self.model, self)
        return super().delete()


class KeptWhileUsed(models.Model):
    """A category, benefit or risk: not deleted, one at a time or in bulk, while terms use it."""

    objects = KeptWhileUsedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        refuse_deleting_used(type(self), [self])
        return super().delete(*args, **kwargs)


class Facet(models.Model):
    """A dimension that groups categories, such as office function or location."""

    name = models.CharField(
        max_length=80, validators=[visible_name], help_text="Shown as a heading, e.g. “Location”."
    )
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in category URLs.")
    description = bounded_text(
        300,
        blank=True,
        help_text="One sentence for readers.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{address('glossary:home')}#facet-{self.slug}"


class CategoryManager(models.Manager.from_queryset(KeptWhileUsedQuerySet)):
    def get_queryset(self):
        """A category is named with its facet (`__str__`), so its facet comes along: lists of
        categories (admin filters, choices, autocomplete) would otherwise fetch each facet."""
        return super().get_queryset().select_related("facet")


class Category(KeptWhileUsed):
    facet = models.ForeignKey(Facet, on_delete=models.PROTECT, related_name="categories")
    name = models.CharField(max_length=80, validators=[visible_name])
    slug = models.SlugField(max_length=80, help_text="Unique within its facet.")
    description = bounded_text(
        300,
        blank=True,
        help_text="One sentence for readers.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    objects = CategoryManager()

    class Meta:
        ordering = ["facet__position", "facet__name", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["facet", "slug"], name="category_slug_unique_in_facet")
        ]

    def __str__(self):
        return f"{self.facet.name}: {self.name}"

    def get_absolute_url(self):
        return address("glossary:category", self.facet.slug, self.slug)

    @property
    def key(self):
        """The value of the index's `category` parameter."""
        return f"{self.facet.slug}/{self.slug}"


class Benefit(KeptWhileUsed):
    name = models.CharField(
        max_length=120, validators=[visible_name], help_text="Shown on every term that lists it."
    )
    slug = models.SlugField(max_length=120, unique=True, help_text="Used in the benefit's URL.")
    description = bounded_text(
        600,
        help_text="Plain text, up to 600 characters: what the benefit is and why it matters.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="benefit_name_unique",
                violation_error_message="A benefit with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("glossary:benefit", self.slug)


class Risk(KeptWhileUsed):
    name = models.CharField(
        max_length=120, validators=[visible_name], help_text="Shown on every term that lists it."
    )
    slug = models.SlugField(max_length=120, unique=True, help_text="Used in the risk's URL.")
    description = bounded_text(
        600,
        help_text="Plain text, up to 600 characters: what can go wrong.",
    )
    mitigation = bounded_text(
        600,
        blank=True,
        help_text="Plain text, up to 600 characters: how organisations reduce it.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="risk_name_unique",
                violation_error_message="A risk with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("glossary:risk", self.slug)
