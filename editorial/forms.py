"""Forms of the editors' side whose rules go beyond the models' own."""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from taggit.models import Tag

from glossary.content import term_entry
from glossary.models import Alias, OldAddress, Term, alias_slug
from glossary.validators import hidden_controls, validate_tags

from .diff import changes
from .duplicates import near_duplicates
from .models import Revision

SEEN_SALT = "editorial.term-form.seen"


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


def what_editors_see(term):
    """The term as the form shows it, and its proposed change if any (id and author): what a save
    is compared with to tell whether someone else saved meanwhile. JSON's own types, so that it
    compares equal to itself after a trip through the form."""
    pending = Revision.objects.of_term(term.pk).pending().values_list("pk", "author__username").first()
    return {"entry": term_entry(term), "pending": list(pending) if pending else None}


def signed(seen):
    return signing.dumps(seen, salt=SEEN_SALT, compress=True)


class TermForm(forms.ModelForm):
    """The term's own fields, plus a summary for its history and the check that nobody else saved
    it since the form was opened."""

    revision_message = forms.CharField(
        label="Summary of your change",
        required=False,
        max_length=1000,
        help_text="Optional; kept in the term's history, e.g. “Added a source for the 2024 figures”.",
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    # Hidden until a warning asks for it (see _warn_of_near_duplicates).
    not_a_duplicate = forms.BooleanField(
        label="Save anyway: it is not a duplicate",
        required=False,
        widget=forms.HiddenInput,
        help_text="Only if the warning above names a term with a close name that is a different term.",
    )
    take_old_address = forms.BooleanField(
        label="Take this address from the term that had it",
        required=False,
        help_text="Only if the address was another term's: old links to it then lead here instead.",
    )

    class Meta:
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["seen"] = signed(what_editors_see(self.instance))

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        validate_tags(tags)
        return tags

    def clean(self):
        cleaned = super().clean()
        self._warn_of_near_duplicates(cleaned)
        self._refuse_taking_an_old_address(cleaned)
        self._refuse_overwriting()
        return cleaned

    def _warn_of_near_duplicates(self, cleaned):
        """Names this save adds (a new headword or expansion, an alias row not there before) close
        to another term's: a warning the editor may confirm with the checkbox it shows."""
        if cleaned.get("not_a_duplicate"):
            return
        names = [cleaned.get(field) for field in ("headword", "expansion") if field in self.changed_data]
        names += self._new_alias_names()
        close = near_duplicates(names, exclude=self.instance.pk)
        if close:
            listed = "; ".join(f"{term} (“{name}”, /{term.slug}/)" for term, name in close)
            self.fields["not_a_duplicate"].widget = forms.CheckboxInput()
            self.add_error(
                None,  # not the headword's: the model's own checks of it still run
                ValidationError(
                    "Close to the name of %(terms)s. If this is a different term, tick “Save anyway: "
                    "it is not a duplicate” below; if not, edit that term instead.",
                    code="near_duplicate",
                    params={"terms": listed},
                ),
            )

    def _new_alias_names(self):
        """The alias rows' names as sent, but those the term has already (the alias formset checks
        each row itself; this only reads them)."""
        had = set()
        if self.instance.pk:
            had = {name.casefold() for name in self.instance.aliases.values_list("name", flat=True)}
        rows = [key for key in self.data if key.startswith("aliases-") and key.endswith("-name")]
        sent = [str(self.data.get(key, "")).strip() for key in rows]
        deleted = {key.removesuffix("-name") for key in self.data if key.endswith("-DELETE")}
        return [
            name
            for key, name in zip(rows, sent, strict=True)
            if name
            and name.casefold() not in had
            and key.removesuffix("-name") not in deleted
            and len(name) <= Alias._meta.get_field("name").max_length
            and not hidden_controls(name)  # a row its own checks refuse (NUL included)
        ]

    def _refuse_taking_an_old_address(self, cleaned):
        slug = cleaned.get("slug")
        old = (
            OldAddress.objects.filter(slug=slug).exclude(term=self.instance.pk).select_related("term").first()
        )
        if old and not cleaned.get("take_old_address"):
            self.add_error(
                "slug",
                ValidationError(
                    "“%(slug)s” was the address of %(term)s, and links to it lead there. Choose "
                    "another, or tick “Take this address” below.",
                    code="old_address",
                    params={"slug": slug, "term": old.term},
                ),
            )

    def _refuse_overwriting(self):
        """If someone saved the term (or proposed a change) since this form was opened, say what
        changed, field by field; the editor's input stays in the form, and saving again keeps it."""
        posted = self.data.get(self.add_prefix("seen"))
        if not self.instance.pk or not posted:
            return  # a new term, or a client that never showed the form
        if transaction.get_connection().in_atomic_block:
            # Held until the save commits (the admin saves in the same transaction): no other save
            # can come between this check and that one.
            Term.objects.select_for_update().filter(pk=self.instance.pk).exists()
        current = what_editors_see(self.instance)
        try:
            seen = signing.loads(posted, salt=SEEN_SALT)
        except signing.BadSignature:
            seen = None
        if seen == current:
            return
        self.data = self.data.copy()
        self.data[self.add_prefix("seen")] = signed(current)  # saving again is a deliberate choice
        if seen is None:
            raise ValidationError(
                "This form could not be checked against the saved term: review it and save again.",
                code="conflict",
            )
        messages = [
            "Someone saved this term since you opened it. Your input is kept below; what changed meanwhile:"
        ]
        messages += [
            f"{change.label}: now “{_summary(current['entry'].get(change.field))}”"
            for change in changes(seen["entry"], current["entry"])
        ]
        if current["pending"] and current["pending"] != seen["pending"]:
            messages.append(
                f"{current['pending'][1]} proposed a change for review; saving replaces it "
                "(it stays in the history)."
            )
        messages.append("Compare with the term's history, then save again to keep your version.")
        raise ValidationError([ValidationError(message, code="conflict") for message in messages])


def _summary(value, limit=120):
    """A field's value in a line, for the conflict message."""
    if isinstance(value, list):
        text = "; ".join(
            str(
                item.get("question") or item.get("title") or item.get("term")
                if isinstance(item, dict)
                else item
            )
            for item in value
        )
    else:
        text = str(value or "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
