from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from .models import (
    FAQ,
    Alias,
    Benefit,
    Category,
    Facet,
    Risk,
    Source,
    Term,
    TermRelation,
    alias_slug,
    nameless_tags,
)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 1
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "position"]


@admin.register(Facet)
class FacetAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "facet", "slug", "position"]
    list_filter = ["facet"]
    list_select_related = ["facet"]
    search_fields = ["name", "facet__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description", "mitigation"]
    prepopulated_fields = {"slug": ["name"]}


class AliasFormSet(BaseInlineFormSet):
    def clean(self):
        """Two new rows with the same alias would pass each row's check and then collide."""
        super().clean()
        seen = set()
        for form in self.forms:
            name = form.cleaned_data.get("name")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            key = alias_slug(name)
            if key in seen:
                form.add_error("name", ValidationError("This alias is listed twice.", code="twice"))
            seen.add(key)


class AliasInline(admin.TabularInline):
    model = Alias
    formset = AliasFormSet
    extra = 1


class RelationInline(admin.TabularInline):
    model = TermRelation
    fk_name = "from_term"
    extra = 1
    autocomplete_fields = ["to_term"]
    verbose_name = "related term"
    verbose_name_plural = "related terms (each pair once; the other term shows the inverse)"


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["question", "answer", "position"]


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    fields = ["title", "publisher", "url", "position"]


class TermForm(forms.ModelForm):
    def clean_tags(self):
        """A tag's address is made from its letters and digits, so it needs at least one."""
        tags = self.cleaned_data["tags"]
        if nameless := nameless_tags(tags):
            raise ValidationError(
                "Each tag needs a letter or digit (not: %(tags)s).",
                code="tag_without_letters",
                params={"tags": ", ".join(nameless)},
            )
        return tags


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    form = TermForm
    list_display = ["headword", "expansion", "status", "category_list", "updated_at"]
    list_filter = ["status", "categories", "tags"]
    search_fields = ["headword", "expansion", "aliases__name", "definition"]
    search_help_text = "Searches headword, expansion, aliases and definition."
    prepopulated_fields = {"slug": ["headword"]}
    autocomplete_fields = ["categories", "benefits", "risks"]
    date_hierarchy = "updated_at"
    actions = ["publish", "unpublish"]
    inlines = [AliasInline, RelationInline, FAQInline, SourceInline]
    fieldsets = [
        (None, {"fields": ["headword", "expansion", "slug", "definition", "body"]}),
        ("Classification", {"fields": ["categories", "tags", "benefits", "risks"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="categories")
    def category_list(self, term):
        return ", ".join(category.name for category in term.categories.all())

    @admin.action(description="Publish selected terms now", permissions=["change"])
    def publish(self, request, queryset):
        """Drafts and terms scheduled for later become visible now; a past publication date is kept."""
        now = timezone.now()
        ids = list(queryset.exclude(pk__in=Term.objects.published()).values_list("pk", flat=True))
        hidden = Term.objects.filter(pk__in=ids)
        hidden.filter(Q(published_at__isnull=True) | Q(published_at__gt=now)).update(published_at=now)
        hidden.update(status=Term.Status.PUBLISHED, updated_at=now)
        self.message_user(request, f"Published {len(ids)} term(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected terms (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        count = queryset.filter(status=Term.Status.PUBLISHED).update(
            status=Term.Status.DRAFT, updated_at=timezone.now()
        )
        self.message_user(request, f"Moved {count} term(s) back to draft.", messages.SUCCESS)
