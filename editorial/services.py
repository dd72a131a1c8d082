"""Editorial writes that span several models. Each write to a term records a revision (the whole
term, by whom, when); what a tag merge does to the tags is recorded in the admin's history."""

from django.conf import settings
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from taggit.models import Tag

from glossary.content import term_entry
from glossary.models import Deprecation, TaggedTerm, Term
from glossary.services import ContentError, mentions_refresh, term_apply
from glossary.transfer import RECORD_ONLY, glossary_import

from .models import Revision

Action, State = Revision.Action, Revision.State


@transaction.atomic
def tag_merge(*, tags, into, by):
    """Give every term tagged with one of `tags` the tag `into` instead, then delete the others.

    Returns how many terms changed. Each changed term gets a revision, and `into` and each deleted
    tag an entry in the admin's history, by `by`, as an edit through the admin would.
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
    for term in Term.objects.select_for_update().filter(pk__in=term_ids):
        record(term=term, by=by, action=Action.CHANGED, message=message)
    log = LogEntry.objects.log_actions
    log(user_id=by.pk, queryset=Tag.objects.filter(pk=into.pk), action_flag=CHANGE, change_message=message)
    log(user_id=by.pk, queryset=others, action_flag=DELETION, change_message=message)
    others.delete()
    return len(term_ids)


def record(*, term, by, action, message="", entry=None, state=State.NONE, based_on=None):
    """A new revision of `term` (as it is now, unless `entry` says otherwise), numbered after the
    term's last one. Callers hold the term's row lock, so two revisions never get one number."""
    last = Revision.objects.of_term(term.pk).aggregate(Max("number"))["number__max"] or 0
    return Revision.objects.create(
        term=term,
        term_key=term.pk,
        number=last + 1,
        headword=str(term)[:330],
        action=action,
        state=state,
        message=message[:1000],
        entry=term_entry(term) if entry is None else entry,
        author=by,
        based_on=based_on,
    )


def may_approve(user, authors):
    """Four eyes: nobody approves what they wrote, unless GLOSSARY_SELF_APPROVAL allows it (a
    one-person site) or they are a superuser."""
    return user.is_superuser or settings.GLOSSARY_SELF_APPROVAL or user.pk not in authors


def authors_since_publication(term):
    """Who wrote the term's content since readers last got a version of it."""
    revisions = Revision.objects.since_publication(term.pk).writes()
    return set(revisions.values_list("author_id", flat=True))


def authors_of(revision):
    """Who wrote a proposed change: its author, and the author of a revision it restores."""
    return {revision.author_id} | ({revision.based_on.author_id} if revision.based_on else set())


def _content(entry):
    """An entry without what publishing sets."""
    return {name: value for name, value in entry.items() if name not in ("status", "published_at")}


def _lock(term):
    return Term.objects.select_for_update().get(pk=term.pk)


FOUR_EYES = "Submitted for review instead of published: another publisher publishes what you wrote."


@transaction.atomic
def term_save(*, term, by, write, message="", action=None, based_on=None):
    """Save `term` by calling `write()` (the admin's form and inlines, or a restore), and record it.

    A term readers can see (or that is scheduled) is not changed: the change is written, read back
    as an entry and rolled back, then held as a proposed change until a publisher approves it. An
    earlier proposed change still awaiting review is superseded (it stays in the history); a
    change already approved for a later date is kept. A save that changes nothing records nothing
    and returns None; otherwise it returns the revision.

    A draft set to Published (or In review) in the same save is recorded as published (or
    submitted), and four eyes apply: if `by` wrote any of it, inlines included, it goes to review
    instead of being published (see may_approve).
    """
    live = _lock(term) if term.pk else None
    before = term_entry(live) if live else {}
    if live is not None and live.status == Term.Status.PUBLISHED:
        with transaction.atomic():  # a savepoint: rolling it back also drops its on-commit hooks
            write()
            proposed = term_entry(term)
            transaction.set_rollback(True)
        if _content(proposed) == _content(before):
            return None
        _supersede(live, [State.PENDING])
        return record(
            term=live,
            by=by,
            action=Action.PROPOSED,
            message=message,
            entry=proposed,
            state=State.PENDING,
            based_on=based_on,
        )
    write()
    mentions_refresh(term=term)
    after = term_entry(term)
    if live is not None and after == before:
        return None
    was = live.status if live else None
    revision = None
    if _content(after) != _content(before):
        written = action or (Action.CHANGED if live else Action.CREATED)
        revision = record(term=term, by=by, action=written, message=message, entry=after, based_on=based_on)
    if term.status == Term.Status.PUBLISHED and was != Term.Status.PUBLISHED:
        if not may_approve(by, authors_since_publication(term)):
            term.status = Term.Status.IN_REVIEW
            term.save(update_fields=["status"])
            return record(term=term, by=by, action=Action.SUBMITTED, message=FOUR_EYES)
        return record(term=term, by=by, action=Action.PUBLISHED)
    if term.status == Term.Status.IN_REVIEW and was != Term.Status.IN_REVIEW:
        return record(term=term, by=by, action=Action.SUBMITTED)
    return revision or record(term=term, by=by, action=Action.CHANGED, message=message, entry=after)


def _locked(terms):
    """`terms` (any queryset of them, the admin's included), locked for this transaction."""
    return Term.objects.filter(pk__in=terms.values("pk")).select_for_update()


@transaction.atomic
def terms_submit(*, terms, by):
    """Drafts go to review: publishers see them in their queue. Returns how many went."""
    changed = list(_locked(terms).filter(status=Term.Status.DRAFT))
    for term in changed:
        term.status = Term.Status.IN_REVIEW
        term.save(update_fields=["status", "updated_at"])
        record(term=term, by=by, action=Action.SUBMITTED)
    return len(changed)


@transaction.atomic
def term_send_back(*, term, by, comment):
    """A term in review goes back to draft, with the publisher's comment for its authors."""
    term = _lock(term)
    if term.status != Term.Status.IN_REVIEW:
        raise ValueError("Only a term in review can be sent back.")
    term.status = Term.Status.DRAFT
    term.save(update_fields=["status", "updated_at"])
    return record(term=term, by=by, action=Action.SENT_BACK, message=comment)


@transaction.atomic
def terms_publish(*, terms, by, at=None):
    """Make drafts, terms in review and terms scheduled for later visible now, or from `at` if that
    is to come (a past publication date is kept); each is saved, not updated in bulk, and records
    a revision.

    Four eyes: a term `by` wrote since its last publication is left as it is (see may_approve).
    Returns (published, refused): how many became visible, and the terms left for another.
    """
    now = timezone.now()
    published, refused = 0, []
    for term in _locked(terms).exclude(pk__in=Term.objects.published()):
        if not may_approve(by, authors_since_publication(term)):
            refused.append(term)
            continue
        term.status = Term.Status.PUBLISHED
        if at and at > now:
            term.published_at = at
        elif term.published_at is None or term.published_at > now:
            term.published_at = now
        term.save(update_fields=["status", "published_at", "updated_at"])
        record(term=term, by=by, action=Action.PUBLISHED)
        published += 1
    return published, refused


@transaction.atomic
def terms_unpublish(*, terms, by):
    """Move published (and scheduled) terms back to draft, each saved and recorded. Returns how
    many moved. Changes proposed or scheduled for them are superseded: they were made to the
    published version, and the drafts are edited directly from now on."""
    changed = list(_locked(terms).filter(status=Term.Status.PUBLISHED))
    for term in changed:
        term.status = Term.Status.DRAFT
        term.save(update_fields=["status", "updated_at"])
        _supersede(term, [State.PENDING, State.SCHEDULED])
        record(term=term, by=by, action=Action.UNPUBLISHED)
    return len(changed)


def _supersede(term, states):
    """Changes proposed to the published version are left behind once it is replaced."""
    Revision.objects.of_term(term.pk).filter(state__in=states).update(state=State.SUPERSEDED)


def _pending(revision):
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if not revision.is_pending():
        raise ValueError("This change is no longer awaiting review.")
    return revision


@transaction.atomic
def change_approve(*, revision, by, goes_live_at=None):
    """Readers get the proposed change: the term becomes what the revision holds, children and
    all; now, or at `goes_live_at` if that is to come (see changes_go_live). Refused
    (PermissionDenied) to its own author unless may_approve allows it."""
    term = _lock(revision.term)
    revision = _pending(revision)
    if not may_approve(by, authors_of(revision)):
        raise PermissionDenied("Another publisher approves a change you proposed.")
    revision.reviewed_by, revision.reviewed_at = by, timezone.now()
    if goes_live_at and goes_live_at > revision.reviewed_at:
        revision.state, revision.goes_live_at = State.SCHEDULED, goes_live_at
        revision.save(update_fields=["state", "reviewed_by", "reviewed_at", "goes_live_at"])
        when = timezone.localtime(goes_live_at).strftime("%d %b %Y, %H:%M")
        return record(
            term=term,
            by=by,
            action=Action.APPROVED,
            message=f"Approved change {revision.number}, live from {when}.",
        )
    term_apply(term=term, entry=revision.entry)
    revision.state = State.APPROVED
    revision.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    _supersede(term, [State.SCHEDULED])  # the newer decision wins over one made for later
    return record(term=term, by=by, action=Action.APPROVED, message=f"Approved change {revision.number}.")


def changes_go_live(*, now=None):
    """Approved changes whose date has come are applied, each in its own transaction; one that no
    longer applies (a name taken meanwhile) goes back to review with the reason. Returns how many
    went live. Called by editorial.middleware.ScheduledChanges: no scheduler process is needed."""
    now = now or timezone.now()
    went = 0
    for key in Revision.objects.scheduled().filter(goes_live_at__lte=now).values_list("pk", flat=True):
        went += _go_live(key)
    return went


@transaction.atomic
def _go_live(key):
    revision = Revision.objects.select_for_update().filter(pk=key, state=State.SCHEDULED).first()
    if revision is None or revision.term is None:
        return 0  # another process took it, or the term was deleted
    term = _lock(revision.term)
    try:
        term_apply(term=term, entry=revision.entry)  # a savepoint of its own
    except ContentError as error:
        revision.state = State.PENDING
        revision.save(update_fields=["state"])
        record(
            term=term, by=revision.reviewed_by, action=Action.REJECTED, message=f"Could not go live: {error}"
        )
        return 0
    revision.state = State.APPROVED
    revision.save(update_fields=["state"])
    record(
        term=term,
        by=revision.reviewed_by,
        action=Action.APPROVED,
        message=f"Change {revision.number} went live as scheduled.",
    )
    return 1


@transaction.atomic
def change_reject(*, revision, by, comment):
    """The proposed change is not taken; readers keep the published version."""
    term = _lock(revision.term)
    revision = _pending(revision)
    revision.state, revision.reviewed_by, revision.reviewed_at = State.REJECTED, by, timezone.now()
    revision.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    return record(
        term=term, by=by, action=Action.REJECTED, message=comment or f"Rejected change {revision.number}."
    )


@transaction.atomic
def term_deprecate(*, term, by, replaced_by=None, comment=""):
    """A published term is marked as out of use; its page stays up with a notice pointing readers
    to `replaced_by`, if given."""
    term = _lock(term)
    if replaced_by is not None and replaced_by.pk == term.pk:
        raise ValueError("A term cannot replace itself.")
    Deprecation.objects.update_or_create(
        term=term, defaults={"replaced_by": replaced_by, "deprecated_at": timezone.now()}
    )
    term.save(update_fields=["updated_at"])
    return record(term=term, by=by, action=Action.DEPRECATED, message=comment)


def revision_restore(*, revision, by):
    """The term becomes what `revision` holds again, children and all, as a new revision (a
    proposed change, if readers can see the term)."""
    term = revision.term
    return term_save(
        term=term,
        by=by,
        action=Action.RESTORED,
        message=f"Restored revision {revision.number}.",
        write=lambda: term_apply(term=term, entry=revision.entry),
        based_on=revision,
    )


@transaction.atomic
def terms_delete(*, terms, by):
    """Delete `terms`, each first recorded whole, so that it can be restored. Returns how many."""
    changed = list(_locked(terms))
    for term in changed:
        _supersede(term, [State.PENDING, State.SCHEDULED])
        record(term=term, by=by, action=Action.DELETED)
        term.delete()
    return len(changed)


@transaction.atomic
def term_undelete(*, revision, by):
    """A deleted term back from its last revision, as a draft, with its history. Raises
    ContentError if its address or names are taken meanwhile."""
    revision = (
        Revision.objects.select_for_update().filter(pk=revision.pk, action=Action.DELETED, term=None).first()
    )
    if revision is None:
        raise ContentError("it was restored meanwhile.")
    term = term_apply(term=Term(status=Term.Status.DRAFT), entry=revision.entry)
    Revision.objects.of_term(revision.term_key).update(term=term, term_key=term.pk)
    return record(
        term=term, by=by, action=Action.RESTORED, message=f"Restored after deletion ({revision.headword})."
    )


@transaction.atomic
def glossary_load(*, document, by, dry_run=False):
    """Import `document` (glossary.transfer.glossary_parse) and give each term it adds or changes a
    revision, so an import is in the term's one history. A change proposed or scheduled for a term
    the file changes is superseded: it was made to the version the file replaces. Returns the
    import's report; TransferError for a bad file, with nothing written."""
    report = glossary_import(document=document, dry_run=dry_run)
    if dry_run:
        return report
    terms = Term.objects.select_for_update().in_bulk(
        [outcome.slug for outcome in report.terms], field_name="slug"
    )
    for outcome in report.terms:
        term = terms[outcome.slug]
        if outcome.outcome == "changed":
            _supersede(term, [State.PENDING, State.SCHEDULED])
            if not Revision.objects.of_term(term.pk).exists():  # a seeded term: keep what it was
                before = {name: value for name, value in outcome.before.items() if name not in RECORD_ONLY}
                record(
                    term=term,
                    by=None,
                    action=Action.CHANGED,
                    message="As it was before an import.",
                    entry=before,
                )
        action = Action.CREATED if outcome.outcome == "added" else Action.CHANGED
        record(term=term, by=by, action=action, message="Imported from a glossary file.")
    return report


@transaction.atomic
def terms_mark_reviewed(*, terms, by):
    """`by` checked these terms and found them accurate: their last review is now, by them. A
    publisher may mark any term; anyone else only the terms they are the steward of. Readers see
    the date; the content is not changed, so no revision is recorded. Returns how many."""
    allowed = terms if by.has_perm("glossary.publish_term") else terms.filter(steward=by)
    reviewed = list(_locked(allowed))
    now = timezone.now()
    for term in reviewed:
        term.reviewed_at, term.reviewed_by = now, by
        term.save(update_fields=["reviewed_at", "reviewed_by"])
    return len(reviewed)
