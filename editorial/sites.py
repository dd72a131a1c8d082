"""The admin site of the editors: its index is the editors' desk."""

from django.contrib import admin

from glossary.cache import kept

from .models import Revision
from .quality import content_report

DESK_ROWS = 10


def desk(user):
    """What a signed-in editor or publisher looks at first; each list is one bounded query, and
    the content report's counts."""
    revisions = Revision.objects.select_related("author", "term").order_by("-created_at")
    awaiting = revisions.awaiting_review()
    may_publish = user.has_perm("glossary.publish_term")
    return {
        "to_review": awaiting.exclude(author=user)[:DESK_ROWS] if may_publish else None,
        "submitted_by_me": awaiting.filter(author=user)[:DESK_ROWS],
        "turned_down": revisions.filter(action__in=[Revision.Action.REJECTED, Revision.Action.SENT_BACK])[
            :DESK_ROWS
        ],
        "by_others": revisions.exclude(author=user)[:DESK_ROWS],
        # Once per content version and process: at 100,000 terms the checks take seconds.
        "checks": kept("content-report", compute=content_report)
        if user.has_perm("glossary.view_term")
        else None,
    }


class EditorsSite(admin.AdminSite):
    site_header = "Knowledge base editors"
    site_title = "Knowledge base"
    index_title = "Editors' desk"
    index_template = "admin/desk.html"

    def index(self, request, extra_context=None):
        return super().index(request, {**desk(request.user), **(extra_context or {})})
