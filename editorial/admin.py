from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.db.models import Count
from django.template.response import TemplateResponse
from taggit.models import Tag

from glossary.models import (
    FAQ,
    Alias,
    Benefit,
    Category,
    Facet,
    Risk,
    Source,
    Term,
    TermRelation,
)

from .base import BoundedInline, EditorAdmin, Hardened, KeepsWhatTermsUse
from .forms import AliasFormSet, TagForm, TagMergeForm, TermForm
from .services import tag_merge, terms_publish, terms_unpublish


class CategoryInline(BoundedInline, admin.TabularInline):
    model = Category
    extra = 1
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "position"]


@admin.register(Facet)
class FacetAdmin(EditorAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(KeepsWhatTermsUse, EditorAdmin):
    list_display = ["name", "facet", "slug", "position"]
    list_filter = ["facet"]
    list_select_related = ["facet"]
    search_fields = ["name", "facet__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Benefit)
class BenefitAdmin(KeepsWhatTermsUse, EditorAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Risk)
class RiskAdmin(KeepsWhatTermsUse, EditorAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description", "mitigation"]
    prepopulated_fields = {"slug": ["name"]}


class AliasInline(BoundedInline, admin.TabularInline):
    model = Alias
    formset = AliasFormSet
    extra = 1


class RelationInline(BoundedInline, admin.TabularInline):
    model = TermRelation
    fk_name = "from_term"
    extra = 1
    autocomplete_fields = ["to_term"]
    verbose_name = "related term"
    verbose_name_plural = "related terms (each pair once; the other term shows the inverse)"


class FAQInline(BoundedInline, admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["question", "answer", "position"]


class SourceInline(BoundedInline, admin.TabularInline):
    model = Source
    extra = 0
    fields = ["title", "publisher", "url", "position"]


@admin.register(Term)
class TermAdmin(EditorAdmin):
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

    def has_publish_permission(self, request):
        return request.user.has_perm("glossary.publish_term")

    def has_change_permission(self, request, obj=None):
        """Only publishers change what readers see (or are about to): a published or scheduled term
        is read-only to editors."""
        if (
            obj is not None
            and obj.status == Term.Status.PUBLISHED
            and not self.has_publish_permission(request)
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        """Editors' terms stay drafts: only publishers set the status and the publication date."""
        readonly = super().get_readonly_fields(request, obj)
        return readonly if self.has_publish_permission(request) else [*readonly, "status", "published_at"]

    @admin.display(description="categories")
    def category_list(self, term):
        return ", ".join(category.name for category in term.categories.all())

    @admin.action(description="Publish selected terms now", permissions=["publish"])
    def publish(self, request, queryset):
        """Drafts and terms scheduled for later become visible now; a past publication date is kept."""
        count = terms_publish(terms=queryset, by=request.user)
        self.message_user(request, f"Published {count} term(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected terms (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = terms_unpublish(terms=queryset, by=request.user)
        self.message_user(request, f"Moved {count} term(s) back to draft.", messages.SUCCESS)


# django-taggit's own TagAdmin lets any staff member merge tags (its view checks no permission)
# and moves only its generic TaggedItem rows, not our TaggedTerm ones.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(EditorAdmin):
    form = TagForm
    list_display = ["name", "slug", "term_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(term_count=Count("glossary_taggedterm_items"))

    @admin.display(description="terms", ordering="term_count")
    def term_count(self, tag):
        return tag.term_count

    def has_merge_permission(self, request):
        """Merging changes one tag and deletes the others."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected tags", permissions=["merge"])
    def merge(self, request, queryset):
        """Ask which tag to keep (like deleting, a page before anything changes), then merge."""
        tags = queryset.order_by("name")
        if len(tags) < 2:
            self.message_user(request, "Select two or more tags to merge.", messages.WARNING)
            return None
        form = TagMergeForm(request.POST if "merge" in request.POST else None, tags=tags)
        if form.is_valid():
            into = form.cleaned_data["into"]
            count = tag_merge(tags=tags, into=into, by=request.user)
            self.message_user(request, f"Merged {len(tags)} tags into “{into}” on {count} term(s).")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.opts,
            "form": form,
            "tags": tags,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)


# Auth's and axes' admins get the same defences as ours.
for model in (User, Group, AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(model)


@admin.register(User)
class UserAdmin(Hardened, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(Hardened, auth_admin.GroupAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(Hardened, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(Hardened, axes_admin.AccessFailureLogAdmin):
    pass


@admin.register(AccessAttempt)
class AccessAttemptAdmin(Hardened, axes_admin.AccessAttemptAdmin):
    actions = ["cleanup_expired_attempts"]

    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        """Axes' action deletes rows, so it asks for the permission to delete them; and it needs the
        request attributes axes sets only on sign-in (without them it is a 500)."""
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)
