"""Editorial writes that span several models, each recorded in the admin's history."""

from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from glossary.models import TaggedTerm, Term


@transaction.atomic
def tag_merge(*, tags, into, by):
    """Give every term tagged with one of `tags` the tag `into` instead, then delete the others.

    Returns how many terms changed. Each changed term, `into` and each deleted tag get an entry in
    the admin's history, by `by`, as an edit through the admin would.
    """
    # Locked first: a term tagged meanwhile with one of them waits, rather than losing its tag.
    locked = list(Tag.objects.select_for_update().filter(pk__in=[tag.pk for tag in tags] + [into.pk]))
    others = Tag.objects.filter(pk__in=[tag.pk for tag in locked if tag.pk != into.pk])
    names = ", ".join(sorted(tag.name for tag in locked if tag.pk != into.pk))
    tagged = TaggedTerm.objects.filter(tag__in=others)
    term_ids = set(tagged.values_list("content_object_id", flat=True))
    keeping = set(TaggedTerm.objects.filter(tag=into).values_list("content_object_id", flat=True))
    TaggedTerm.objects.bulk_create(TaggedTerm(tag=into, content_object_id=pk) for pk in term_ids - keeping)
    tagged.delete()
    message = f"Tags merged into “{into.name}”: {names}."
    log = LogEntry.objects.log_actions
    log(
        user_id=by.pk,
        queryset=Term.objects.filter(pk__in=term_ids),
        action_flag=CHANGE,
        change_message=message,
    )
    log(user_id=by.pk, queryset=Tag.objects.filter(pk=into.pk), action_flag=CHANGE, change_message=message)
    log(user_id=by.pk, queryset=others, action_flag=DELETION, change_message=message)
    others.delete()
    return len(term_ids)


def _locked(terms):
    """`terms` (any queryset of them, the admin's included), locked for this transaction."""
    return Term.objects.filter(pk__in=terms.values("pk")).select_for_update()


def _log_each(changed, *, by, message):
    queryset = Term.objects.filter(pk__in=[term.pk for term in changed])
    LogEntry.objects.log_actions(
        user_id=by.pk, queryset=queryset, action_flag=CHANGE, change_message=message, single_object=False
    )


@transaction.atomic
def terms_publish(*, terms, by):
    """Make drafts and terms scheduled for later visible now (a past publication date is kept).

    Each is saved, not updated in bulk, and gets an entry in the admin's history, by `by`.
    Returns how many became visible.
    """
    now = timezone.now()
    changed = list(_locked(terms).exclude(pk__in=Term.objects.published()))
    for term in changed:
        term.status = Term.Status.PUBLISHED
        if term.published_at is None or term.published_at > now:
            term.published_at = now
        term.save(update_fields=["status", "published_at", "updated_at"])
    _log_each(changed, by=by, message="Published.")
    return len(changed)


@transaction.atomic
def terms_unpublish(*, terms, by):
    """Move published (and scheduled) terms back to draft, each saved and recorded in the admin's
    history, by `by`. Returns how many moved."""
    changed = list(_locked(terms).filter(status=Term.Status.PUBLISHED))
    for term in changed:
        term.status = Term.Status.DRAFT
        term.save(update_fields=["status", "updated_at"])
    _log_each(changed, by=by, message="Moved back to draft.")
    return len(changed)
