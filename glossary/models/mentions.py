"""Where one term's text names another: found when a text or a name changes (glossary.linking),
so that an article's links cost one indexed query to read, never a search of the text per request."""

from django.db import models

from .terms import CARD_FIELDS, Term, public


class MentionQuerySet(models.QuerySet):
    def in_text_of(self, term):
        return self.filter(source=term)

    def of_names_of(self, term):
        return self.filter(target=term)

    def shown_in(self, term, now=None):
        """The mentions in `term`'s text (or that of the term with that id) of terms readers may
        see at `now`, with what a link to each shows: one query, by the source's index."""
        return (
            self.in_text_of(term)
            .filter(public("target__", now))
            .select_related("target")
            .only("name", *[f"target__{field}" for field in CARD_FIELDS])
            .order_by()
        )


class Mention(models.Model):
    source = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="mentions")
    target = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="mentioned_in")
    name = models.CharField(max_length=200, help_text="The target's name as found, in lower case.")

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["source", "name"]
        constraints = [models.UniqueConstraint(fields=["source", "target", "name"], name="mention_once")]

    def __str__(self):
        return f"{self.source} mentions {self.target} as “{self.name}”"

    def get_absolute_url(self):
        return self.source.get_absolute_url()
