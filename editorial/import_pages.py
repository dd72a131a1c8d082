"""The term admin's import: upload a glossary file, see what it would add and change (a diff for
each changed term), then confirm. Publishers only: an import writes published terms directly."""

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from glossary.transfer import FORMATS, KINDS, OUTCOMES, TransferError, format_of, glossary_parse

from .diff import changes
from .models import ImportFile, Revision
from .services import glossary_load

PREVIEW_ROWS = 100  # terms listed as added, and diffs of changed ones; the counts are whole
MODELS = ["term", "facet", "category", "benefit", "risk"]  # the rows a file writes
IMPORTER = [
    "glossary.publish_term",
    *(f"glossary.{verb}_{model}" for verb in ("add", "change") for model in MODELS),
]


def digest(report):
    """A fingerprint of what an import does to the glossary as it is: the counts, and each term it
    adds or changes as it was before (what it becomes follows from the file). The confirmation
    writes only what the preview showed."""
    shown = [report.counts, [(o.slug, o.outcome, o.before) for o in report.terms]]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


class Moved(Exception):
    """The import would now do something else than its preview showed."""

    def __init__(self, report):
        self.report = report


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A JSON, YAML or CSV glossary file; very large ones go through manage.py import_glossary."
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "From the file's name"), *((kind, kind.upper()) for kind in FORMATS)],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.GLOSSARY_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                "This file is %(size)s MB; the admin takes files of at most %(mb)d MB.",
                params={
                    "size": f"{upload.size / 2**20:.1f}",
                    "mb": settings.GLOSSARY_IMPORT_MAX_BYTES // 2**20,
                },
                code="too_large",
            )
        return upload


class ImportPages:
    """Mixed into TermAdmin, after TermPages."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="glossary_term_import"),
            path(
                "import/<int:upload_id>/", wrap(self.import_confirm_view), name="glossary_term_import_confirm"
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return request.user.has_perms(IMPORTER)

    def changelist_view(self, request, extra_context=None):
        context = {"has_import_permission": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        if not form.is_valid():
            return self._upload_page(request, form)
        upload = form.cleaned_data["file"]
        kind = format_of(upload.name, form.cleaned_data["format"])
        raw = upload.read()
        try:
            document = glossary_parse(raw=raw, format=kind)
        except TransferError as error:
            return self._import_problems(request, form, error)
        # Files left unconfirmed for a day are dropped, as each new one arrives.
        ImportFile.objects.filter(uploaded_at__lt=timezone.now() - timezone.timedelta(days=1)).delete()
        pending = ImportFile.objects.create(
            uploaded_by=request.user, name=upload.name[:255], format=kind, content=raw
        )
        return self._import_preview(request, pending, document)

    def import_confirm_view(self, request, upload_id):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        pending = ImportFile.objects.filter(pk=upload_id, uploaded_by=request.user).first()
        if pending is None:
            self.message_user(request, "That file was imported or dropped already.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:glossary_term_import"))
        try:
            with transaction.atomic():
                report = glossary_load(document=pending.document(), by=request.user)
                if digest(report) != request.POST.get("digest"):
                    raise Moved(report)  # not what the publisher saw: written, then undone
                pending.delete()
        except Moved as moved:
            return self._preview_page(request, pending, moved.report, moved=True)
        except TransferError as error:  # the glossary changed under the file since its preview
            pending.delete()
            return self._import_problems(request, ImportForm(), error)
        self.message_user(request, f"Imported {pending.name}. {report.summary()}.")
        return HttpResponseRedirect(reverse("admin:glossary_term_changelist"))

    def _upload_page(self, request, form, **context):
        return self._page(request, "import.html", "Import a glossary file", form=form, **context)

    def _import_problems(self, request, form, error):
        return self._upload_page(request, form, problems=error.problems)

    def _import_preview(self, request, pending, document):
        try:
            report = glossary_load(document=document, by=request.user, dry_run=True)
        except TransferError as error:
            pending.delete()
            return self._import_problems(request, ImportForm(), error)
        if len(report.terms) > settings.GLOSSARY_IMPORT_MAX_TERMS:
            pending.delete()
            message = (
                f"This file adds or changes {len(report.terms)} terms; the admin imports at most "
                f"{settings.GLOSSARY_IMPORT_MAX_TERMS} at a time. Import it with manage.py import_glossary."
            )
            return self._upload_page(request, ImportForm(), refused=message)
        return self._preview_page(request, pending, report)

    def _preview_page(self, request, pending, report, moved=False):
        added = [outcome for outcome in report.terms if outcome.outcome == "added"]
        changed = [outcome for outcome in report.terms if outcome.outcome == "changed"]
        return self._page(
            request,
            "import_preview.html",
            f"Import {pending.name}?",
            upload=pending,
            digest=digest(report),
            moved=moved,
            superseded=Revision.objects.open_changes()
            .filter(term__slug__in=[outcome.slug for outcome in changed])
            .count(),
            going_live=sum(outcome.after["status"] == "published" for outcome in report.terms),
            outcomes=OUTCOMES,
            table=[(kind, [report.counts[o][kind] for o in OUTCOMES]) for kind in KINDS],
            added=added,
            changed=[(o, changes(o.before, o.after)) for o in changed[:PREVIEW_ROWS]],
            more_changed=max(0, len(changed) - PREVIEW_ROWS),
            shown=PREVIEW_ROWS,
        )
