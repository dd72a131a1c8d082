from functools import cache
from itertools import groupby
from operator import attrgetter

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from . import search
from .articles import Article
from .catalogs import all_categories, benefit_at, category_at, risk_at
from .filters import Option, TermFilter
from .models import CARD_FIELDS, LETTERS, Alias, OldAddress, Term
from .page_cache import reader_page
from .prepared import PreparedRead
from .termsets import Places, cards_of, current


def paginate(request, terms, per_page=None):
    """A page of `terms`; nonsense page numbers are clamped rather than refused."""
    per_page = per_page or settings.GLOSSARY_TERMS_PER_PAGE
    return Paginator(terms, per_page).get_page(request.GET.get("page"))


@cache
def index_address(script_prefix):
    return reverse("glossary:term_list")


def index_url(**filters):
    """The index narrowed by `filters`, e.g. index_url(tag="outsourcing")."""
    return f"{index_address(get_script_prefix())}?{urlencode(filters)}"


def found(subject):
    """`subject` of a page, which a catalogue or the term sets found (else None: a 404)."""
    if subject is None:
        raise Http404("Nothing has that address.")
    return subject


def can_preview(user):
    return user.is_staff and user.has_perm("glossary.change_term")


# The home page's read, prepared (glossary.prepared).
recently_updated = PreparedRead(
    lambda now: Term.objects.published(now).recently_updated().values_list("pk", *CARD_FIELDS)[:8]
)


@require_safe
@reader_page
def home(request):
    published = Places.published()
    categories = all_categories()
    counts = published.count_by_category(categories)
    letters = published.count_by_initial()
    return render(
        request,
        "glossary/home.html",
        {
            "facets": [
                (facet, [(category, counts.get(category.pk, 0)) for category in in_facet])
                for facet, in_facet in groupby(categories, key=attrgetter("facet"))
            ],
            "letters": [
                Option(letter, letters.get(letter, 0), False, index_url(letter=letter)) for letter in LETTERS
            ],
            "term_count": sum(letters.values()),
            "recent_terms": cards_of(recently_updated(timezone.now())),
        },
    )


@require_safe
@reader_page
def term_list(request):
    """The index; with a `q` it is the search page, ranked by relevance with highlighted snippets."""
    term_filter = TermFilter(request.GET)
    if term_filter.search:
        ranked = term_filter.search.ranked(term_filter.narrowed())
        page_obj = paginate(request, ranked, settings.GLOSSARY_SEARCH_RESULTS_PER_PAGE)
        term_filter.search.highlight(page_obj.object_list)
    else:
        page_obj = paginate(request, term_filter.narrowed())
    return render(request, "glossary/term_list.html", {"filter": term_filter, "page_obj": page_obj})


@require_safe
@reader_page
def suggest(request):
    """JSON for a search box that completes as one types: up to eight terms by name."""
    terms = search.suggest(request.GET.get("q", ""))
    return JsonResponse(
        {
            "suggestions": [
                {"headword": term.headword, "expansion": term.expansion, "url": term.get_absolute_url()}
                for term in terms
            ]
        }
    )


@require_safe
@reader_page
def term_detail(request, slug):
    preview = can_preview(request.user)
    article = Article.at(slug, drafts=preview)
    if article is None:
        aliases = Alias.objects.all() if preview else Alias.objects.of_published_terms()
        alias = aliases.select_related("term").filter(slug=slug).first()
        if alias is not None:
            return redirect(alias.term, permanent=True)
        old = OldAddress.objects.all() if preview else OldAddress.objects.of_published_terms()
        renamed = old.select_related("term").filter(slug=slug).first()
        if renamed is None:
            raise Http404("No term has that address.")
        return redirect(renamed.term, permanent=True)
    return render(request, "glossary/term_detail.html", {"article": article, "term": article.term})


@require_safe
@reader_page
def category_detail(request, facet_slug, slug):
    category = found(category_at(facet_slug, slug))
    return render(
        request,
        "glossary/category_detail.html",
        {
            "category": category,
            "page_obj": paginate(request, Places.published().in_categories([category])),
            "index_url": index_url(category=category.key),
        },
    )


@require_safe
@reader_page
def tag_detail(request, slug):
    tag = found(current().tag_at(slug))  # a tag of published terms
    return render(
        request,
        "glossary/tag_detail.html",
        {
            "tag": tag,
            "page_obj": paginate(request, Places.published().tagged(tag.slug)),
            "index_url": index_url(tag=tag.slug),
        },
    )


@require_safe
@reader_page
def benefit_detail(request, slug):
    benefit = found(benefit_at(slug))
    return render(
        request,
        "glossary/benefit_detail.html",
        {
            "benefit": benefit,
            "page_obj": paginate(request, Places.published().with_benefit(benefit)),
        },
    )


@require_safe
@reader_page
def risk_detail(request, slug):
    risk = found(risk_at(slug))
    return render(
        request,
        "glossary/risk_detail.html",
        {
            "risk": risk,
            "page_obj": paginate(request, Places.published().with_risk(risk)),
        },
    )
