"""Forms of the editors' side whose rules go beyond the models' own."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from taggit.models import Tag

from glossary.models import alias_slug
from glossary.validators import validate_tags


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


class TermForm(forms.ModelForm):
    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        validate_tags(tags)
        return tags


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        validate_tags([name])
        return name


class TagMergeForm(forms.Form):
    """Which of the selected tags the others become."""

    into = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep this tag",
        help_text="The terms of the other selected tags get this one, and the others are deleted.",
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = tags
