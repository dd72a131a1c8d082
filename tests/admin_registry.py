"""What the admin-wide tests walk: every registered ModelAdmin, an example row of each model, and a
snapshot of every row an admin request could change."""

from html.parser import HTMLParser
from itertools import count

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.test import RequestFactory
from taggit.models import Tag

from editorial.models import Revision
from glossary.models import Benefit, Category, Facet, Risk, Term

from . import factories

_seq = count(1)
ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# The apps whose rows an admin request may write, the admin's own history included.
WRITTEN = {"glossary", "editorial", "taggit", "auth", "axes", "admin"}


def _term():
    term = factories.term(
        categories=[factories.category()], tags=["outsourcing"], aliases=[f"an alias {next(_seq)}"]
    )
    term.benefits.set([factories.benefit()])
    term.risks.set([factories.risk()])
    factories.relation(term, factories.term())
    factories.faq(term)
    factories.source(term, url="https://example.com/")
    return term


def _revision():
    term = factories.term()
    return Revision.objects.create(
        term=term, term_key=term.pk, number=1, headword=str(term), action="created", entry={}
    )


def _access(model, **values):
    return model.objects.create(
        user_agent="pytest",
        ip_address="192.0.2.1",
        username=f"someone {next(_seq)}",
        http_accept="*/*",
        path_info="/",
        **values,
    )


# One example row per registered model, to open its change, delete and history pages. A model
# registered later needs an entry here; test_every_registered_model_has_an_example says so.
EXAMPLES = {
    Term: _term,
    Facet: factories.facet,
    Category: factories.category,
    Benefit: factories.benefit,
    Risk: factories.risk,
    Tag: lambda: Tag.objects.create(name=f"example tag {next(_seq)}"),
    User: lambda: User.objects.create_user(f"example{next(_seq)}", password="not-used-here-1"),
    Group: lambda: Group.objects.create(name=f"Example group {next(_seq)}"),
    AccessAttempt: lambda: _access(AccessAttempt, get_data="", post_data="", failures_since_start=1),
    AccessLog: lambda: _access(AccessLog),
    AccessFailureLog: lambda: _access(AccessFailureLog),
    Revision: lambda: _revision(),
}


def snapshot():
    """Every row of every model an admin request could write, to compare before and after."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in WRITTEN and model._meta.managed
    }


class rolled_back:
    """Run a request inside a savepoint that is undone afterwards, so each case starts clean."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


def superuser():
    """A request from a superuser (unsaved): what a ModelAdmin grants to anybody at all."""
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return request


def staff(username, permissions=()):
    user = User.objects.create_user(username, password="not-used-here-1", is_staff=True)
    user.user_permissions.set(permissions)
    return user


def view_permissions():
    return Permission.objects.filter(codename__startswith="view_")


class _FormParser(HTMLParser):
    """What a browser would submit from the page's form with the given id (no button pressed)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type", "text") not in ("submit", "button", "image", "file", "reset"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value", "on" if "checked" in attrs else "")))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            self.fields.append((name, text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_data(response, form_id):
    """The form `form_id` of a rendered page as POST data: {name: [values]}."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data
