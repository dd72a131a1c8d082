"""Editorial writes that span several models, each recorded in the admin's history."""

from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import transaction
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
