from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from taggit.models import Tag

from glossary.link_checks import broken_links
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
from .import_pages import ImportPages
from .models import Revision
from .services import (
    FOUR_EYES,
    tag_merge,
    term_save,
    terms_delete,
    terms_mark_reviewed,
    terms_publish,
    terms_submit,
    terms_unpublish,
)
from .term_pages import TermPages


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
    classes = ["collapse"]


class FAQInline(BoundedInline, admin.TabularInline):
    """Compact rows (a question, a three-line answer), collapsible: 15 entries fit in a screen."""

    model = FAQ
    extra = 0
    fields = ["question", "answer", "position"]
    classes = ["collapse"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}


class SourceInline(BoundedInline, admin.TabularInline):
    model = Source
    extra = 0
    fields = ["title", "publisher", "url", "position"]
    classes = ["collapse"]


class AwaitingReview(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("awaiting", "Awaiting review"), ("mine", "Awaiting review, submitted by me")]

    def queryset(self, request, queryset):
        if self.value() not in {"awaiting", "mine"}:
            return queryset
        awaiting = Revision.objects.awaiting_review()
        if self.value() == "mine":
            awaiting = awaiting.filter(author=request.user)
        return queryset.filter(pk__in=awaiting.values("term_key"))


class ReviewDue(admin.SimpleListFilter):
    title = "last review"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("due", "Review due"), ("mine", "Review due, I am the steward")]

    def queryset(self, request, queryset):
        if self.value() not in {"due", "mine"}:
            return queryset
        due = queryset.review_due()
        return due.filter(steward=request.user) if self.value() == "mine" else due


@admin.register(Term)
class TermAdmin(ImportPages, TermPages, EditorAdmin):
    form = TermForm
    list_display = ["headword", "expansion", "status", "category_list", "updated_at"]
    list_filter = [
        AwaitingReview,
        ReviewDue,
        "status",
        ("steward", admin.RelatedOnlyFieldListFilter),
        "categories",
        "tags",
    ]
    search_fields = ["headword", "expansion", "aliases__name", "definition"]
    search_help_text = "Searches headword, expansion, aliases and definition."
    prepopulated_fields = {"slug": ["headword"]}
    autocomplete_fields = ["categories", "benefits", "risks"]
    date_hierarchy = "updated_at"
    actions = ["submit_for_review", "publish", "unpublish", "mark_reviewed"]
    inlines = [AliasInline, RelationInline, FAQInline, SourceInline]
    # change_form.html puts "Publishing and review" after the inlines, beside the save buttons.
    fieldsets = [
        ("Names", {"fields": ["headword", "expansion", "slug", "not_a_duplicate", "take_old_address"]}),
        ("Definition and article", {"fields": ["definition", "body", "link_mentions", "links_to_fix"]}),
        ("Classification", {"fields": ["categories", "tags", "benefits", "risks"], "classes": ["collapse"]}),
        (
            "Publishing and review",
            {"fields": ["status", "published_at", "steward", "last_review", "revision_message", "seen"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    readonly_fields = ["links_to_fix", "last_review"]

    @admin.display(description="Last reviewed")
    def last_review(self, term):
        if term.reviewed_at is None:
            return "Never: use “Mark selected terms as reviewed” in the list once it is checked."
        when = date_format(timezone.localtime(term.reviewed_at), "j F Y")
        return f"{when}, by {term.reviewed_by or 'a former member of staff'}"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "steward":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Links to fix")
    def links_to_fix(self, term):
        """The [[slug]] links of the saved article and FAQ answers that readers see as plain text."""
        broken = broken_links(Term.objects.filter(pk=term.pk)) if term.pk else []
        return (
            "; ".join(str(link) for link in broken) or "None: each [[slug]] link leads to a published term."
        )

    def has_publish_permission(self, request):
        return request.user.has_perm("glossary.publish_term")

    def get_readonly_fields(self, request, obj=None):
        """Status and publication date change through review and the publishing actions; a
        publisher may also set them on a term readers cannot see yet."""
        readonly = super().get_readonly_fields(request, obj)
        published = obj is not None and obj.status == Term.Status.PUBLISHED
        if published or not self.has_publish_permission(request):
            return [*readonly, "status", "published_at"]
        return readonly

    def save_model(self, request, obj, form, change):
        """Saved with its inlines by save_related, in one step that records the revision."""

    def save_related(self, request, form, formsets, change):
        def write():
            super(TermAdmin, self).save_model(request, form.instance, form, change)
            super(TermAdmin, self).save_related(request, form, formsets, change)

        revision = term_save(
            term=form.instance, by=request.user, write=write, message=form.cleaned_data["revision_message"]
        )
        request.saved_revision = revision

    def response_add(self, request, obj, post_url_continue=None):
        self._say_what_happened(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def _say_what_happened(self, request, obj):
        revision = getattr(request, "saved_revision", None)
        if revision is not None and revision.message == FOUR_EYES:
            self.message_user(request, f"“{obj}”: {FOUR_EYES}", messages.WARNING)

    def response_change(self, request, obj):
        self._say_what_happened(request, obj)
        revision = getattr(request, "saved_revision", None)
        if revision is None:
            self.message_user(request, f"“{obj}” is as it was: nothing changed.", messages.INFO)
            return HttpResponseRedirect(reverse("admin:glossary_term_change", args=[obj.pk]))
        if revision.is_pending():
            self.message_user(
                request,
                f"Your change to “{obj}” awaits review: readers see the published version until a "
                "publisher approves it.",
                messages.INFO,
            )
            return HttpResponseRedirect(reverse("admin:glossary_term_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["has_publish_permission"] = self.has_publish_permission(request)
        if obj is not None:
            context["proposed"] = self.awaiting(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_model(self, request, obj):
        terms_delete(terms=Term.objects.filter(pk=obj.pk), by=request.user)

    def delete_queryset(self, request, queryset):
        terms_delete(terms=queryset, by=request.user)

    def get_deleted_objects(self, objs, request):
        """Warns, on the delete page and the bulk delete's, which other terms relate to these (their
        links to them go too)."""
        found = super().get_deleted_objects(objs, request)
        keys = [term.pk for term in objs]
        relating = (
            Term.objects.filter(Q(relations_out__to_term__in=keys) | Q(relations_in__from_term__in=keys))
            .exclude(pk__in=keys)
            .distinct()
            .order_by("headword")
        )
        names = [str(term) for term in relating[:21]]
        if names and not request.POST.get("post"):
            more = " and more" if len(names) > 20 else ""
            self.message_user(
                request,
                f"Other terms relate to this: {', '.join(names[:20])}{more}. Their links to it go too.",
                messages.WARNING,
            )
        return found

    @admin.display(description="categories")
    def category_list(self, term):
        return ", ".join(category.name for category in term.categories.all())

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        count = terms_submit(terms=queryset, by=request.user)
        self.message_user(request, f"Submitted {count} term(s) for review.", messages.SUCCESS)

    @admin.action(description="Publish selected terms now", permissions=["publish"])
    def publish(self, request, queryset):
        """Drafts and terms scheduled for later become visible now; a past publication date is kept."""
        count, refused = terms_publish(terms=queryset, by=request.user)
        self.message_user(request, f"Published {count} term(s).", messages.SUCCESS)
        if refused:
            names = ", ".join(str(term) for term in refused)
            self.message_user(
                request,
                f"Not published, as you wrote them: {names}. Another publisher does it.",
                messages.WARNING,
            )

    @admin.action(description="Mark selected terms as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        """Publishers mark any term; others the terms they are the steward of."""
        count = terms_mark_reviewed(terms=queryset, by=request.user)
        self.message_user(request, f"Marked {count} term(s) as reviewed today.", messages.SUCCESS)
        if count < queryset.count():
            self.message_user(
                request, "Only a publisher or a term's steward marks it as reviewed.", messages.WARNING
            )

    @admin.action(description="Unpublish selected terms (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = terms_unpublish(terms=queryset, by=request.user)
        self.message_user(request, f"Moved {count} term(s) back to draft.", messages.SUCCESS)


@admin.register(Revision)
class RevisionAdmin(EditorAdmin):
    """The audit trail: every revision of every term, read-only (revisions are written by the
    services alone). A term's own history page compares and restores them."""

    list_display = ["headword", "number", "action", "state", "author", "created_at", "message"]
    list_filter = ["action", "state", "author"]
    list_select_related = ["author"]
    search_fields = ["headword", "message"]
    date_hierarchy = "created_at"
    fields = [
        "headword",
        "number",
        "action",
        "state",
        "author",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "message",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
