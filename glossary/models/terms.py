"""Terms and their parts: aliases, relations, FAQ, sources and tags; what readers may see."""

import unicodedata
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Length, Lower
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from ..markdown import plain_text, render_markdown
from ..validators import visible_name
from .common import bounded_text
from .taxonomy import Benefit, Category, Risk

LETTERS = ["#"] + [chr(code) for code in range(ord("A"), ord("Z") + 1)]  # "#" sorts first, as in the index


URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted
CARD_FIELDS = ["slug", "headword", "expansion", "definition", "initial"]  # what a link to a term shows


@cache
def article_address_start(script_prefix):
    """An article's address up to its slug, found once per script prefix: reversing the URL for
    each of a page's 50 cards was most of the time the page took to render."""
    return reverse("glossary:term", args=["-"]).removesuffix("-/")


def article_address():
    """An article's address up to its slug, for this request's script prefix."""
    return article_address_start(get_script_prefix())


def article_url(slug, start=None):
    """The address of the article of the term with `slug`, as reverse() would make it; `start` is
    article_address(), found once for a page of cards (looking up the script prefix for each card
    was a tenth of a card's time)."""
    return f"{start or article_address()}{quote(slug, safe=URL_SAFE)}/"


def initial_of(headword: str) -> str:
    """The A–Z bar's letter for a headword (“Échange” under E); digits and symbols share "#"."""
    first = unicodedata.normalize("NFKD", headword.strip()[:1])[:1].upper()
    return first if "A" <= first <= "Z" else "#"


class TaggedTerm(TaggedItemBase):
    """A real foreign key to Term instead of taggit's generic relation, so tag joins are cheap."""

    content_object = models.ForeignKey("Term", on_delete=models.CASCADE)


def public(path="", now=None):
    """The one definition of what readers may see (at `now`, by default the present), as a
    condition on the term at `path` (e.g. "to_term__"), so that a look-up from another table joins
    the term rather than listing every published one."""
    now = now or timezone.now()
    return Q(**{f"{path}status": Term.Status.PUBLISHED, f"{path}published_at__lte": now})


class TermQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(public(now=now))

    def in_index_order(self):
        """(id, letter) of these terms in index order (the order of the term_index_order index)."""
        return self.order_by(*Term._meta.ordering).values_list("pk", "initial")

    def recently_updated(self):
        return self.order_by("-updated_at")

    def matching(self, search):
        """These terms that match `search` (a glossary.search.Search), in no useful order."""
        return search.filter(self)

    def scheduled(self):
        """Published terms whose publication date is still to come, the soonest first."""
        return self.filter(status=Term.Status.PUBLISHED, published_at__gt=timezone.now()).order_by(
            "published_at"
        )

    def starting_with(self, letter):
        return self.filter(initial=letter)

    def in_categories(self, categories):
        """OR within a facet, AND across facets."""
        by_facet = {}
        for category in categories:
            by_facet.setdefault(category.facet_id, []).append(category.pk)
        qs = self
        for ids in by_facet.values():
            qs = qs.filter(
                pk__in=Term.categories.through.objects.filter(category_id__in=ids).values("term_id")
            )
        return qs

    def tagged(self, *tag_slugs):
        """Every given tag must be present."""
        qs = self
        for slug in tag_slugs:
            qs = qs.filter(pk__in=TaggedTerm.objects.filter(tag__slug=slug).values("content_object"))
        return qs

    def review_due(self):
        """Terms never reviewed, or last reviewed longer ago than GLOSSARY_REVIEW_INTERVAL."""
        since = timezone.now() - settings.GLOSSARY_REVIEW_INTERVAL
        return self.filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=since))

    def unconnected(self):
        """Terms no relation (either way) and no other term's mention of their names connects;
        links written as [[slug]] are the caller's to rule out (they live in the stored text)."""
        return self.exclude(
            Exists(TermRelation.objects.filter(Q(from_term=OuterRef("pk")) | Q(to_term=OuterRef("pk"))))
        ).exclude(mentioned_in__isnull=False)

    def without_sources(self):
        return self.filter(sources__isnull=True)

    def without_categories(self):
        return self.filter(categories__isnull=True)

    def with_definition_outside(self, shortest, longest):
        return self.alias(length=Length("definition")).exclude(length__range=(shortest, longest))

    def for_cards(self):
        """Only what a card shows, and the letter it is filed under. A field a template reaches for
        beyond these is fetched for the whole page at once, not term by term."""
        return self.only(*CARD_FIELDS).fetch_mode(models.FETCH_PEERS)

    def for_article(self):
        """The term of an article, with what a deprecation notice shows. Its aliases, FAQ,
        sources, relations and mentions are read on their own (glossary.articles), and its
        classification comes from the term sets."""
        return self.select_related("deprecation__replaced_by")


class Term(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    headword = models.CharField(
        max_length=120, validators=[visible_name], help_text="The term as readers know it, e.g. “BPO”."
    )
    expansion = models.CharField(
        max_length=200,
        blank=True,
        validators=[visible_name],
        help_text="The full form of an acronym, e.g. “Business "
        "Process Outsourcing”. Leave empty if the headword is not an abbreviation.",
    )
    slug = models.SlugField(max_length=120, unique=True, help_text="The article's URL.")
    definition = bounded_text(
        400,
        help_text="One or two plain-text sentences, shown in lists, link titles and search results.",
    )
    # Long enough for any glossary article (the longest shipped is under 3,000 characters), short
    # enough that search snippets stay quick: SQLite's grow with the text times the words sought.
    body = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(20_000)],
        help_text="The article in Markdown, up to 20,000 characters. Raw HTML is shown as text.",
    )
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)  # what search indexes and quotes
    initial = models.CharField(max_length=1, editable=False, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Readers see the term from this moment if published. Filled in when you publish.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    link_mentions = models.BooleanField(
        default=True,
        help_text="Link the first mention of another published term in the article and FAQ answers "
        "to that term. Links written as [[slug]] are kept either way.",
    )
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded_terms",
        help_text="The member of staff who keeps this term accurate and reviews it when it falls due.",
    )
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the term's content was last checked and found accurate."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    categories = models.ManyToManyField(Category, related_name="terms", blank=True)
    benefits = models.ManyToManyField(Benefit, related_name="terms", blank=True)
    risks = models.ManyToManyField(Risk, related_name="terms", blank=True)
    tags = TaggableManager(through=TaggedTerm, blank=True)

    objects = TermQuerySet.as_manager()

    # Text around a search's matches, set on each result by Search.highlight(). Empty elsewhere, so
    # that a card's template finds it (a missing attribute costs the template three failed look-ups).
    snippet = ""

    class Meta:
        ordering = ["initial", Lower("headword"), "expansion"]
        permissions = [("publish_term", "Can publish and unpublish terms, and change published ones")]
        # Search's name-key indexes are made per database by migration 0004.
        # Most terms are published, so an index on status would only mislead SQLite's planner into
        # sorting every published term rather than reading a page in index order.
        indexes = [
            models.Index(fields=["published_at"]),  # the next scheduled publication
            # "Recently updated", newest first; with what `published` asks, so that SQLite and
            # PostgreSQL pass over drafts and scheduled terms in the index, not row by row.
            models.Index(fields=["updated_at", "status", "published_at"], name="term_recently_updated"),
            # The index's order: a page of terms is read from it rather than by sorting them all.
            # With what `published` asks of a term, SQLite skips a page's offset within the index,
            # not visiting each skipped term's row (a deep page took 300 ms, now 4).
            models.Index(
                "initial", Lower("headword"), "expansion", "status", "published_at", name="term_index_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_term_has_date",
            ),
            # An acronym may have several meanings (RPO), each with its own expansion.
            models.UniqueConstraint(
                Lower("headword"),
                Lower("expansion"),
                name="term_name_unique",
                violation_error_message="Another term already has this headword and expansion.",
            ),
        ]

    def __str__(self):
        return f"{self.headword} ({self.expansion})" if self.expansion else self.headword

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.body_text = plain_text(self.body_html)
        self.initial = initial_of(self.headword)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        fields = kwargs.get("update_fields")
        renamed_from = (
            Term.objects.filter(pk=self.pk).exclude(slug=self.slug).values_list("slug", flat=True).first()
            if self.pk and (fields is None or "slug" in fields)
            else None
        )
        super().save(*args, **kwargs)
        if self.status == self.Status.PUBLISHED and (fields is None or {"slug", "status"} & set(fields)):
            # An old address taken (back) by a term: its links lead here once readers can see it.
            OldAddress.objects.filter(slug=self.slug).delete()
        if renamed_from:
            OldAddress.objects.update_or_create(slug=renamed_from, defaults={"term": self})

    def get_absolute_url(self):
        return article_url(self.slug)

    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_review_due(self):
        return (
            self.reviewed_at is None or self.reviewed_at < timezone.now() - settings.GLOSSARY_REVIEW_INTERVAL
        )

    def is_deprecated(self):
        try:
            return self.deprecation is not None
        except Deprecation.DoesNotExist:
            return False

    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()  # before the constraint that requires it is checked
        names = Q(name__iexact=self.headword) | Q(slug=self.slug)
        if self.expansion:
            names |= Q(name__iexact=self.expansion)
        clashes = Alias.objects.exclude(term_id=self.pk).filter(names).select_related("term").first()
        if clashes:
            raise ValidationError(
                "“%(alias)s” is already an alias of %(term)s.",
                code="alias_clash",
                params={"alias": clashes.name, "term": clashes.term},
            )

    def other_names(self, aliases):
        """Those of this term's `aliases` worth showing: not the headword or expansion again in
        other letter case (such an alias still gives readers an address and a search match)."""
        shown = {self.headword.casefold(), self.expansion.casefold()}
        return [alias for alias in aliases if alias.name.casefold() not in shown]

    def related_by_kind(self, relations):
        """`relations` of this term (TermRelation.objects.around), seen from it, grouped by kind in
        display order."""
        groups = {kind: [] for kind in TermRelation.Kind}
        for relation in relations:
            kind = TermRelation.Kind(relation.kind)
            if relation.from_term_id == self.pk:
                groups[kind].append(relation.to_term)
            else:
                groups[kind.inverse].append(relation.from_term)
        # Alphabetical within a kind, whichever side each relation was entered on.
        return [
            (kind.label, sorted(terms, key=lambda term: term.headword.casefold()))
            for kind, terms in groups.items()
            if terms
        ]


class Deprecation(models.Model):
    """A published term marked as out of use: its page stays up with a notice, pointing readers to
    the term that replaces it, if any. A table of its own, so that the term's table is not rebuilt
    (SQLite rebuilds a table to change it, which the search triggers would not survive)."""

    term = models.OneToOneField(Term, on_delete=models.CASCADE, primary_key=True, related_name="deprecation")
    replaced_by = models.ForeignKey(
        Term,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="The term readers are pointed to instead.",
    )
    deprecated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deprecated_at"]

    def __str__(self):
        return f"{self.term} (deprecated)"

    def get_absolute_url(self):
        return self.term.get_absolute_url()


class OldAddressQuerySet(models.QuerySet):
    def of_published_terms(self):
        return self.filter(public("term__"))


class OldAddress(models.Model):
    """A slug a term had before it was renamed: links to it lead to the term's article (301)."""

    slug = models.SlugField(max_length=120, unique=True)
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="old_addresses")
    retired_at = models.DateTimeField(auto_now=True)

    objects = OldAddressQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "old addresses"

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reverse("glossary:term", args=[self.slug])


class AliasQuerySet(models.QuerySet):
    def of_published_terms(self):
        return self.filter(public("term__"))


def alias_slug(name):
    """An alias's address: ASCII where the name has Latin letters (“café” → cafe), else the name's
    own letters (“日本語”), so that every alias with a letter or digit has one."""
    return slugify(name) or slugify(name, allow_unicode=True)


class Alias(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(
        max_length=200, validators=[visible_name], help_text="Another name readers use, e.g. “call centre”."
    )
    slug = models.SlugField(max_length=200, unique=True, editable=False, allow_unicode=True)

    objects = AliasQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]
        verbose_name_plural = "aliases"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.slug = alias_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("glossary:term", args=[self.slug])

    def clean(self):
        self.slug = alias_slug(self.name)
        if not self.slug:
            raise ValidationError({"name": "Use at least one letter or digit."}, code="empty_slug")
        others = Term.objects.exclude(pk=self.term_id) if self.term_id else Term.objects.all()
        term = others.filter(
            Q(headword__iexact=self.name) | Q(expansion__iexact=self.name) | Q(slug=self.slug)
        ).first()
        if term:
            raise ValidationError(
                {"name": f"“{self.name}” is already the name or address of {term}."},
                code="alias_clash",
            )
        alias = (
            Alias.objects.exclude(pk=self.pk)
            .filter(Q(name__iexact=self.name) | Q(slug=self.slug))
            .select_related("term")
            .first()
        )
        if alias:
            raise ValidationError(
                {"name": f"“{self.name}” is already an alias of {alias.term}."},
                code="alias_clash",
            )


class TermRelationQuerySet(models.QuerySet):
    def broader_path(self, start, goal):
        """The ids from `start` to `goal` going from each term to a narrower one, by these
        relations (entered either way), or [] if there is none: one query a level."""
        came_from, frontier = {start: None}, [start]
        while frontier and goal not in came_from:
            steps = self.filter(
                Q(kind=TermRelation.Kind.NARROWER, from_term__in=frontier)
                | Q(kind=TermRelation.Kind.BROADER, to_term__in=frontier)
            ).values_list("kind", "from_term_id", "to_term_id")
            frontier = []
            for kind, from_id, to_id in steps:
                wider, narrower = (from_id, to_id) if kind == TermRelation.Kind.NARROWER else (to_id, from_id)
                if narrower not in came_from:
                    came_from[narrower] = wider
                    frontier.append(narrower)
        if goal not in came_from:
            return []
        path = [goal]
        while path[-1] != start:
            path.append(came_from[path[-1]])
        return path[::-1]

    def around(self, term, now=None):
        """The relations of `term` (or of the term with that id), entered on either side, whose
        other term readers may see at `now`; with only what a link to each term shows (not its
        body). One query, by two indexes."""
        shown = [f"{side}__{field}" for side in ("from_term", "to_term") for field in CARD_FIELDS]
        entered_here = Q(from_term=term) & public("to_term__", now)
        entered_there = Q(to_term=term) & public("from_term__", now)
        return (
            self.filter(entered_here | entered_there)
            .select_related("from_term", "to_term")
            .only("kind", *shown)
            .order_by()
        )


class TermRelation(models.Model):
    """A typed link stored once and shown from both sides (KPO narrower than BPO ⇔ BPO broader)."""

    class Kind(models.TextChoices):
        BROADER = "broader", _("Broader terms")
        NARROWER = "narrower", _("Narrower terms")
        SEE_ALSO = "see_also", _("See also")
        CONTRASTS = "contrasts", _("Contrasts with")

        @property
        def inverse(self):
            return {"broader": TermRelation.Kind.NARROWER, "narrower": TermRelation.Kind.BROADER}.get(
                self.value, self
            )

    from_term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="relations_out")
    to_term = models.ForeignKey(
        Term,
        on_delete=models.CASCADE,
        related_name="relations_in",
        help_text="The related term, seen from this one: choose “narrower” if it is a kind of this term.",
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SEE_ALSO)

    objects = TermRelationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "to_term__headword"]
        constraints = [
            models.UniqueConstraint(fields=["from_term", "to_term"], name="relation_once"),
            models.CheckConstraint(condition=~Q(from_term=F("to_term")), name="relation_not_self"),
        ]

    def __str__(self):
        return f"{self.from_term.headword} → {self.get_kind_display()} → {self.to_term.headword}"

    def get_absolute_url(self):
        return self.from_term.get_absolute_url()

    def clean(self):
        if self.from_term_id and self.from_term_id == self.to_term_id:
            raise ValidationError({"to_term": "A term cannot relate to itself."}, code="self")
        if TermRelation.objects.filter(from_term_id=self.to_term_id, to_term_id=self.from_term_id).exists():
            raise ValidationError(
                {"to_term": "These terms are already related from the other side."}, code="duplicate"
            )
        if self.kind in (self.Kind.BROADER, self.Kind.NARROWER) and self.from_term_id and self.to_term_id:
            wider, narrower = (
                (self.to_term_id, self.from_term_id)
                if self.kind == self.Kind.BROADER
                else (self.from_term_id, self.to_term_id)
            )
            # A cycle if the narrower term is already broader than the wider one.
            path = TermRelation.objects.exclude(pk=self.pk).broader_path(narrower, wider)
            if path:
                names = dict(Term.objects.filter(pk__in=path).values_list("pk", "headword"))
                loop = " → ".join(names[pk] for pk in [*path, narrower])
                message = f"This would make a term broader than itself: {loop}, each broader than the next."
                raise ValidationError({"kind": message}, code="cycle")


class FAQ(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer = models.TextField(
        validators=[MaxLengthValidator(5_000)],
        help_text="Markdown, up to 5,000 characters. Raw HTML is shown as text.",
    )
    answer_html = models.TextField(blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ"

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer_html = render_markdown(self.answer)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.term.get_absolute_url()}#faq-{self.pk}"


class Source(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Optional; http or https only.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.term.get_absolute_url()}#sources"
