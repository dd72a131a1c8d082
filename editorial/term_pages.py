"""The term admin's own pages beyond Django's: review, history with comparison and restore,
deprecation, deleted terms, the content report and the export. Each view checks the role it
needs on the server."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from glossary.content import term_entry
from glossary.markdown import render_markdown
from glossary.models import Term
from glossary.services import ContentError
from glossary.transfer import glossary_export
from glossary.validators import PARTS

from .diff import changes
from .models import Revision
from .quality import content_report
from .scheduling import schedule
from .services import (
    authors_of,
    authors_since_publication,
    change_approve,
    change_reject,
    may_approve,
    revision_restore,
    term_deprecate,
    term_send_back,
    term_undelete,
    terms_publish,
)

HISTORY_PAGE = 50
EXPORTS = {
    "json": "application/json; charset=utf-8",
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
REPORT_ROWS = 200  # of each check on the report page; the command lists them all
BODY_LIMIT, ANSWER_LIMIT = 20_000, 5_000  # as the models' validators allow


def _last_number(term):
    return Revision.objects.of_term(term.pk).aggregate(last=Max("number"))["last"] or 0


def _count(value):
    """A formset's TOTAL_FORMS as sent: a small number, or 0."""
    return int(value) if value and value.isascii() and value.isdecimal() and len(value) < 4 else 0


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the authors: why, or what to change before it is published.",
    )
    goes_live_at = forms.DateTimeField(
        required=False,
        label="Readers get it from",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now. A date to come schedules it; no scheduler process is needed.",
    )
    # The term's last revision when the page was drawn: a decision is about what was shown.
    shown = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


class DeprecateForm(forms.Form):
    replaced_by = forms.SlugField(
        required=False,
        max_length=120,
        label="Replaced by (address)",
        help_text="The address of the term readers should use instead, e.g. “bpo”. Optional.",
    )
    comment = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, term, **kwargs):
        super().__init__(*args, **kwargs)
        self.term = term

    def clean_replaced_by(self):
        slug = self.cleaned_data["replaced_by"]
        if not slug:
            return None
        replacement = Term.objects.published().exclude(pk=self.term.pk).filter(slug=slug).first()
        if replacement is None:
            raise forms.ValidationError("No other published term has this address.", code="unknown")
        return replacement


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    b = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class TermPages:
    """Mixed into TermAdmin."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("preview/", wrap(self.preview_view), name=f"{name}_preview"),
            path("deleted/", wrap(self.deleted_view), name=f"{name}_deleted"),
            path("report/", wrap(self.report_view), name=f"{name}_report"),
            path("export/", wrap(self.export_view), name=f"{name}_export"),
            path("deleted/<int:revision_id>/restore/", wrap(self.undelete_view), name=f"{name}_undelete"),
            path("<path:object_id>/review/", wrap(self.review_view), name=f"{name}_review"),
            path("<path:object_id>/deprecate/", wrap(self.deprecate_view), name=f"{name}_deprecate"),
            path("<path:object_id>/history/compare/", wrap(self.compare_view), name=f"{name}_compare"),
            path(
                "<path:object_id>/history/<int:number>/restore/",
                wrap(self.restore_view),
                name=f"{name}_restore",
            ),
            *super().get_urls(),
        ]

    def _term(self, request, object_id, allowed):
        term = self.get_object(request, unquote(object_id))
        if term is None:
            raise Http404("No such term.")
        if not allowed(request, term):
            raise PermissionDenied
        return term

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/glossary/term/{template}", context)

    def _back_to(self, view, term):
        return HttpResponseRedirect(reverse(f"admin:glossary_term_{view}", args=[term.pk]))

    # Preview

    def preview_view(self, request):
        """The body and FAQ answers of a term form as sent, rendered as the article renders them,
        without saving anything (the form's own “Preview” button posts here, in a new tab)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        body, errors = request.POST.get("body", ""), []
        if len(body) > BODY_LIMIT:
            errors.append(f"The article is {len(body):,} characters; at most {BODY_LIMIT:,} are shown.")
        faqs = []
        for n in range(min(_count(request.POST.get("faqs-TOTAL_FORMS")), PARTS)):
            question = request.POST.get(f"faqs-{n}-question", "")[:300]
            answer = request.POST.get(f"faqs-{n}-answer", "")[:ANSWER_LIMIT]
            if (question or answer) and not request.POST.get(f"faqs-{n}-DELETE"):
                faqs.append((question, render_markdown(answer)))
        return self._page(
            request,
            "preview.html",
            "Preview",
            headword=request.POST.get("headword", "")[:120],
            body_html=render_markdown(body[:BODY_LIMIT]),
            faqs=faqs,
            errors=errors,
        )

    # Review

    def awaiting(self, term):
        """The change proposed to `term` that awaits review, if any."""
        return Revision.objects.of_term(term.pk).pending().select_related("author").first()

    def review_view(self, request, object_id):
        term = self._term(request, object_id, self.has_view_permission)
        proposed = self.awaiting(term)
        if request.method == "POST":
            return self._decide(request, term, proposed)
        live = term_entry(term)
        if proposed:
            before, after = live, proposed.entry
            authors = authors_of(proposed)
        else:
            last = Revision.objects.of_term(term.pk).filter(action__in=Revision.PUBLICATIONS).first()
            before, after = (last.entry if last else {}), live
            authors = authors_since_publication(term)
        may_decide = self.has_publish_permission(request)
        return self._page(
            request,
            "review.html",
            f"Review {term}",
            term=term,
            proposed=proposed,
            in_review=term.status == Term.Status.IN_REVIEW,
            changes=changes(before, after),
            may_decide=may_decide,
            may_approve=may_decide and may_approve(request.user, authors),
            form=DecisionForm(initial={"shown": _last_number(term)}),
        )

    def _decide(self, request, term, proposed):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        form = DecisionForm(request.POST)
        if not form.is_valid():
            problems = " ".join(error for errors in form.errors.values() for error in errors)
            self.message_user(request, f"Nothing was decided: {problems}", messages.ERROR)
            return self._back_to("review", term)
        comment, at, shown = (form.cleaned_data[name] for name in ("comment", "goes_live_at", "shown"))
        if shown is not None and shown != _last_number(term):
            self.message_user(
                request,
                "The term changed since this page was drawn: review what it is now.",
                messages.WARNING,
            )
            return self._back_to("review", term)
        decision = request.POST.get("decision")
        try:
            if decision == "approve" and proposed:
                approval = change_approve(revision=proposed, by=request.user, goes_live_at=at)
                schedule.forget()
                self.message_user(request, f"“{term}”: {approval.message}")
            elif decision == "reject" and proposed:
                change_reject(revision=proposed, by=request.user, comment=comment)
                self.message_user(request, f"Rejected: readers keep the published “{term}”.")
            elif decision == "approve" and term.status == Term.Status.IN_REVIEW:
                published, _ = terms_publish(terms=Term.objects.filter(pk=term.pk), by=request.user, at=at)
                if published:
                    self.message_user(request, f"Published “{term}”.")
                else:
                    self.message_user(request, "Another publisher publishes what you wrote.", messages.ERROR)
            elif decision == "send_back" and term.status == Term.Status.IN_REVIEW:
                term_send_back(term=term, by=request.user, comment=comment)
                self.message_user(request, f"Sent “{term}” back to draft.")
            else:
                self.message_user(request, "Nothing awaits that decision any more.", messages.WARNING)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal) or "You may not do that.", messages.ERROR)
        except ContentError as error:
            self.message_user(request, f"The change cannot be applied: {error}", messages.ERROR)
        return self._back_to("review", term)

    def deprecate_view(self, request, object_id):
        term = self._term(request, object_id, lambda request, term: self.has_publish_permission(request))
        form = DeprecateForm(request.POST or None, term=term)
        if request.method == "POST" and form.is_valid():
            term_deprecate(
                term=term,
                by=request.user,
                replaced_by=form.cleaned_data["replaced_by"],
                comment=form.cleaned_data["comment"],
            )
            self.message_user(request, f"“{term}” is deprecated; readers see a notice on its page.")
            return self._back_to("change", term)
        return self._page(request, "deprecate.html", f"Deprecate {term}", term=term, form=form)

    # History

    def history_view(self, request, object_id, extra_context=None):
        """Every revision of the term, newest first, a page at a time: who, when, what, and links to
        compare and restore."""
        term = self._term(request, object_id, self.has_view_permission)
        revisions = Revision.objects.of_term(term.pk).select_related("author", "reviewed_by")
        page = Paginator(revisions.order_by("-number"), HISTORY_PAGE).get_page(request.GET.get("page"))
        return self._page(
            request,
            "history.html",
            f"History of {term}",
            term=term,
            page_obj=page,
            may_restore=self.has_change_permission(request, term),
        )

    def compare_view(self, request, object_id):
        term = self._term(request, object_id, self.has_view_permission)
        form = CompareForm(request.GET)
        if not form.is_valid():
            self.message_user(request, "Choose two revisions to compare.", messages.WARNING)
            return self._back_to("history", term)
        numbers = sorted([form.cleaned_data["a"], form.cleaned_data["b"]])
        found = Revision.objects.of_term(term.pk).filter(number__in=numbers).select_related("author")
        found = {revision.number: revision for revision in found}
        if len(found) != len(set(numbers)):
            self.message_user(request, "The term has no such revision.", messages.WARNING)
            return self._back_to("history", term)
        older, newer = found[numbers[0]], found[numbers[1]]
        return self._page(
            request,
            "compare.html",
            f"{term}: revision {older.number} and {newer.number}",
            term=term,
            older=older,
            newer=newer,
            changes=changes(older.entry, newer.entry),
        )

    def restore_view(self, request, object_id, number):
        term = self._term(request, object_id, self.has_change_permission)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = get_object_or_404(Revision.objects.of_term(term.pk), number=number)
        try:
            restored = revision_restore(revision=revision, by=request.user)
        except ContentError as error:
            self.message_user(request, f"Revision {number} cannot be restored: {error}", messages.ERROR)
            return self._back_to("history", term)
        if restored is None:
            self.message_user(request, f"Revision {number} holds what the term holds already.", messages.INFO)
        elif restored.is_pending():
            self.message_user(request, f"Revision {number} is proposed for review as a change to “{term}”.")
        else:
            self.message_user(request, f"Restored revision {number} of “{term}”.")
        return self._back_to("history", term)

    # Deleted terms

    def deleted_view(self, request):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        deleted = Revision.objects.deleted_terms().select_related("author")
        page = Paginator(deleted, HISTORY_PAGE).get_page(request.GET.get("page"))
        return self._page(request, "deleted.html", "Deleted terms", page_obj=page)

    # The content report

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._page(
            request, "report.html", "Content report", checks=content_report(), shown=REPORT_ROWS
        )

    def export_view(self, request):
        """The whole glossary as a file to download, as manage.py export_glossary writes it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        kind = request.GET.get("format", "json")
        if kind not in EXPORTS:
            return HttpResponseBadRequest(f"Choose a format: {', '.join(EXPORTS)}.")
        response = HttpResponse(glossary_export(format=kind), content_type=EXPORTS[kind])
        response["Content-Disposition"] = f'attachment; filename="glossary.{kind}"'
        return response

    def undelete_view(self, request, revision_id):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = get_object_or_404(Revision.objects.deleted_terms(), pk=revision_id)
        try:
            restored = term_undelete(revision=revision, by=request.user)
        except ContentError as error:
            self.message_user(request, f"“{revision.headword}” cannot be restored: {error}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:glossary_term_deleted"))
        self.message_user(request, f"Restored “{restored.term}” as a draft, with its history.")
        return self._back_to("change", restored.term)
