"""The editors' record of each term: a revision per save and per review step, the whole term each
time (its fields and every part, as the content file writes it), kept after the term is deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from glossary.models import Term
from glossary.transfer import FORMATS, glossary_parse


class RevisionQuerySet(models.QuerySet):
    def of_term(self, term_key):
        return self.filter(term_key=term_key)

    def pending(self):
        """Changes to published terms that await a publisher's review."""
        return self.filter(state=Revision.State.PENDING)

    def awaiting_review(self):
        """Changes proposed to published terms, and submissions of terms still in review."""
        return self.filter(
            Q(state=Revision.State.PENDING)
            | Q(action=Revision.Action.SUBMITTED, term__status=Term.Status.IN_REVIEW)
        )

    def open_changes(self):
        """Changes proposed to published terms that are not settled: awaiting review, or approved
        to go live later."""
        return self.filter(state__in=[Revision.State.PENDING, Revision.State.SCHEDULED])

    def scheduled(self):
        """Approved changes that go live at a date to come (or just past), soonest first."""
        return self.filter(state=Revision.State.SCHEDULED).order_by("goes_live_at")

    def writes(self):
        """Revisions whose author wrote the term's content (not a review step)."""
        return self.filter(action__in=Revision.WRITES)

    def since_publication(self, term_key):
        """The term's revisions after the last time it was published or a change to it approved."""
        last = self.of_term(term_key).filter(action__in=Revision.PUBLICATIONS).aggregate(Max("number"))
        return self.of_term(term_key).filter(number__gt=last["number__max"] or 0)

    def deleted_terms(self):
        """The last revision of each deleted term (its snapshot restores it), newest first; a term
        deleted, restored and deleted again is listed once, with its latest version."""
        newest = Revision.objects.filter(term_key=OuterRef("term_key")).order_by("-number").values("pk")[:1]
        deleted = self.filter(action=Revision.Action.DELETED, term__isnull=True, pk=Subquery(newest))
        return deleted.order_by("-created_at")

    def audit_trail(self):
        """Review steps, publication, deprecation, restores and deletions: who did what and when."""
        return self.exclude(action__in=Revision.WRITES)


class Revision(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        PROPOSED = "proposed", "Change proposed"
        RESTORED = "restored", "Restored"
        SUBMITTED = "submitted", "Submitted for review"
        SENT_BACK = "sent_back", "Sent back to draft"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Moved back to draft"
        APPROVED = "approved", "Change approved"
        REJECTED = "rejected", "Change rejected"
        DEPRECATED = "deprecated", "Deprecated"
        DELETED = "deleted", "Deleted"

    class State(models.TextChoices):
        """Of a proposed change to a published term."""

        NONE = "", "—"
        PENDING = "pending", "Awaiting review"
        SCHEDULED = "scheduled", "Approved, goes live later"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a later change"

    WRITES = [Action.CREATED, Action.CHANGED, Action.PROPOSED, Action.RESTORED]
    PUBLICATIONS = [Action.PUBLISHED, Action.APPROVED]

    term = models.ForeignKey(Term, null=True, on_delete=models.SET_NULL, related_name="revisions")
    term_key = models.BigIntegerField(db_index=True, help_text="The term's id, kept once it is deleted.")
    number = models.PositiveIntegerField(help_text="1 for the term's first revision, then 2, 3…")
    headword = models.CharField(max_length=330, help_text="The term's name at the time.")
    action = models.CharField(max_length=12, choices=Action)
    state = models.CharField(max_length=10, choices=State, default=State.NONE, blank=True)
    message = models.TextField(
        blank=True, max_length=1000, help_text="The author's summary or the reviewer's comment."
    )
    entry = models.JSONField(help_text="The whole term as it then was, or as the proposed change has it.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="term_revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What a restore brought back: its author is an author of the change.",
    )
    goes_live_at = models.DateTimeField(
        null=True, blank=True, help_text="For an approved change with a date to come: when readers get it."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-number"]
        required_db_features = {"supports_json_field"}  # both SQLite and PostgreSQL; checked at migrate
        constraints = [models.UniqueConstraint(fields=["term_key", "number"], name="revision_number_once")]
        indexes = [
            models.Index(fields=["state"], condition=Q(state="pending"), name="revision_pending"),
            models.Index(fields=["goes_live_at"], condition=Q(state="scheduled"), name="revision_scheduled"),
            models.Index(fields=["author", "-created_at"], name="revision_by_author"),
            models.Index(fields=["-created_at"], name="revision_newest"),
        ]

    def __str__(self):
        return f"{self.headword}, revision {self.number} ({self.get_action_display().lower()})"

    def get_absolute_url(self):
        return reverse("admin:glossary_term_history", args=[self.term_key])

    def is_pending(self):
        return self.state == self.State.PENDING


class ImportFile(models.Model):
    """A glossary file uploaded in the admin, kept between its preview and the confirmation (in
    the database, so that any app server can take the second step)."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    name = models.CharField(max_length=255)
    format = models.CharField(max_length=4, choices=[(kind, kind.upper()) for kind in FORMATS])
    content = models.BinaryField()

    def __str__(self):
        return self.name

    def document(self):
        return glossary_parse(raw=bytes(self.content), format=self.format)
