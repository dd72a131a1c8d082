"""What every ModelAdmin and inline of the editors' side shares: bad input is refused, never a 500.

Django's admin trusts its own pages to send sensible values. A crafted request may not: a search
longer than SQLite's LIKE allows, ids that are not numbers or exceed the column, a date drill-down
past year 9999, a NUL byte (which PostgreSQL refuses outright) or a formset claiming a million rows.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import IntegerField

from glossary.models import terms_using
from glossary.validators import PARTS

SEARCH_LENGTH = 200  # longer than any name or phrase an editor looks for


def valid_keys(field, values):
    """Those of `values` that can be a value of `field` (a primary key): others name no row."""
    keys = []
    for value in values:
        try:
            key = field.to_python(value)
        except ValidationError:
            continue
        if isinstance(field, IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if not (low is None or low <= key) or not (high is None or key <= high):
                continue
        keys.append(value)
    return keys


class RedrawsValidChoices:
    """An autocomplete widget that redraws a rejected form without looking up values that cannot
    be ids (“abc”, 99999999999999999999); Django's would send them to the database."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        return super().optgroups(name, valid_keys(target, value), attr)


class SafeAutocompleteSelect(RedrawsValidChoices, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(RedrawsValidChoices, AutocompleteSelectMultiple):
    pass


def contains_nul(request):
    return any("\x00" in value for _, values in request.GET.lists() for value in values)


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        """Unusable filter values send the editor back to the unfiltered list, as Django does for
        an unknown filter: a NUL byte, or a date drill-down outside Python's dates."""
        if contains_nul(request):
            raise IncorrectLookupParameters("A NUL byte in the query string.")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class ChoosesValidKeys:
    """A choice of rows that refuses values that cannot be ids before asking the database (which
    on SQLite overflows on 99999999999999999999 rather than finding nothing)."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for item in value:
            if item not in self.empty_values and not valid_keys(key, [item]):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)


class SafeModelMultipleChoiceField(ChoosesValidKeys, forms.ModelMultipleChoiceField):
    pass


class SafeFieldsMixin:
    """Relations are chosen through the field and widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class Hardened(SafeFieldsMixin):
    """Mixed into every ModelAdmin of the site: ours (EditorAdmin), and auth's and axes' again."""

    def get_search_results(self, request, queryset, search_term):
        """Nothing matches a search no editor would type (which SQLite's LIKE cannot take); the
        change list and autocomplete both come through here."""
        if len(search_term) > SEARCH_LENGTH or "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    @property
    def page_rows(self):
        """The most rows a change list shows at once ("Show all" included)."""
        return max(self.list_per_page, self.list_max_show_all)

    def get_changelist_formset(self, request, **kwargs):
        """A list's editable rows are at most a page, whatever the POST claims."""
        kwargs.setdefault("max_num", self.page_rows)
        kwargs.setdefault("absolute_max", self.page_rows)
        return super().get_changelist_formset(request, **kwargs)

    def _get_edited_object_pks(self, request, prefix):
        """The rows an editable list's POST names, but only ids that can be rows: Django sends
        99999999999999999999 to the database, where SQLite overflows."""
        return valid_keys(self.model._meta.pk, super()._get_edited_object_pks(request, prefix))

    def response_action(self, request, queryset, *args, **kwargs):
        """An action runs on rows the list could have shown: ids, at most a page of them."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        fit = len(selected) <= self.page_rows
        if not fit or len(valid_keys(self.model._meta.pk, selected)) != len(selected):
            self.message_user(request, "Select the items from the list. Nothing was changed.", messages.ERROR)
            return None
        return super().response_action(request, queryset, *args, **kwargs)


class EditorAdmin(Hardened, admin.ModelAdmin):
    """The base of every ModelAdmin of the editors' side."""


class BoundedInline(SafeFieldsMixin):
    """An inline builds at most `max_num` rows: a POST claiming more gets a form error, not a
    million forms. Mix into a TabularInline or StackedInline."""

    max_num = PARTS

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.get_max_num(request, obj))
        return super().get_formset(request, obj, **kwargs)


class KeepsWhatTermsUse:
    """Deleting a category, benefit or risk that terms still use is refused by name, on its delete
    page and in the bulk delete action (the models refuse it too: glossary.models)."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        using = terms_using(self.model, objs)
        return deleted, counts, perms_needed, [*protected, *(f"Term: {term}" for term in using)]
