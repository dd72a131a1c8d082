"""Staff preview a proposed change at the term's own address; approved changes go live on time."""

from django.db import transaction
from django.http import Http404, HttpResponse

from glossary.cache import kept_apart
from glossary.services import ContentError, term_apply

from .models import Revision
from .scheduling import schedule


def _small_number(text):
    """ASCII digits only ("²" is a digit to str.isdigit, not to int), and few of them."""
    return text.isascii() and text.isdecimal() and len(text) < 10


class ProposedChangePreview:
    """`/terms/<slug>/?preview=<revision number>`, for staff who may change terms: the article as
    the proposed change has it. The change is applied in a transaction that is rolled back once the
    page is rendered, so the page is the reader page itself and nothing of it is kept: the content
    version is bumped only by a commit, and what is kept per version is neither read nor stored
    while the page is made (glossary.cache.kept_apart)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        number = request.GET.get("preview")
        user = request.user
        if number is None or request.resolver_match.view_name != "glossary:term":
            return None
        if not (user.is_staff and user.has_perm("glossary.change_term")):
            return None  # readers get the page as it is
        proposed = (
            Revision.objects.pending()
            .filter(term__slug=kwargs["slug"], number=int(number) if _small_number(number) else 0)
            .select_related("term", "author")
            .first()
        )
        if proposed is None:
            raise Http404("No change awaiting review has that number.")
        with transaction.atomic(), kept_apart():
            try:
                term_apply(term=proposed.term, entry=proposed.entry)
            except ContentError as error:
                return HttpResponse(
                    f"This change cannot be previewed: {error}", status=409, content_type="text/plain"
                )
            request.preview = proposed
            response = view(request, *args, **{**kwargs, "slug": proposed.entry["slug"]})
            if hasattr(response, "render"):
                response.render()
            transaction.set_rollback(True)
        return response


class ScheduledChanges:
    """An approved change with a date to come goes live at the first request after that date, in
    whichever process serves it: no scheduler process, no cron. A request costs a clock reading;
    every few seconds a process looks for the next date with one indexed query. Applying a change
    bumps the content version, so cached pages follow at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        schedule.keep()
        return self.get_response(request)
