"""What readers see on every public page, and what they may not see."""

import itertools
import re

import pytest
from django.test import RequestFactory, override_settings
from django.urls import set_script_prefix
from django.views.defaults import server_error

from glossary.models import Term

from . import factories

pytestmark = pytest.mark.django_db


def titles(response):
    """Headwords of the term cards on a page, in order."""
    return [term.headword for term in response.context["page_obj"].object_list]


class TestHome:
    def test_home_shows_facets_counts_letters_and_recent_terms(self, client, bpo_world):
        factories.draft(headword="Secret draft")
        bpo_world["kpo"].save()  # the most recently updated
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "A knowledge base of 3 business terms" in html
        assert 'id="facet-location"' in html and 'id="facet-office-function"' in html
        counts = {c.slug: n for _, categories in response.context["facets"] for c, n in categories}
        assert counts["offshore"] == 2
        letters = {option.label: option.count for option in response.context["letters"]}
        assert letters["B"] == 1 and letters["K"] == 1 and letters["C"] == 1 and letters["Z"] == 0
        assert [term.headword for term in response.context["recent_terms"]][0] == "KPO"
        assert "Secret draft" not in html

    def test_empty_site_still_renders(self, client, db):
        response = client.get("/")
        assert response.status_code == 200
        assert "No terms are published yet." in response.content.decode()

    def test_page_has_landmarks_and_skip_link(self, client, bpo_world):
        html = client.get("/").content.decode()
        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html and "<nav" in html and "<footer" in html


class TestIndex:
    def test_counts_say_term_or_terms(self, client, bpo_world):
        factories.term(headword="Back office")
        html = client.get("/terms/").content.decode()
        assert '<p class="result-count">4 terms</p>' in html
        assert 'title="2 terms">B</a>' in html and 'title="1 term">K</a>' in html
        assert '<span aria-disabled="true">Z</span>' in html
        html = client.get("/search/", {"q": "KPO"}).content.decode()
        assert '<p class="result-count">1 term</p>' in html

    def test_lists_published_terms_grouped_by_letter(self, client, bpo_world):
        factories.draft(headword="Draft term")
        factories.scheduled(headword="Future term")
        response = client.get("/terms/")
        assert response.status_code == 200
        assert titles(response) == ["BPO", "Call center", "KPO"]
        html = response.content.decode()
        assert 'class="letter-group__letter"' in html
        assert "Draft term" not in html and "Future term" not in html

    def test_letter_bar_runs_in_the_order_of_the_index(self, client, bpo_world):
        factories.term(headword="24/7 support")
        factories.term(headword="Échange", slug="echange")
        response = client.get("/terms/")
        assert titles(response) == ["24/7 support", "BPO", "Call center", "Échange", "KPO"]
        bar = [option.label for option in response.context["filter"].letter_options()]
        assert bar[:3] == ["#", "A", "B"] and bar[-1] == "Z"
        assert titles(client.get("/terms/", {"letter": "E"})) == ["Échange"]

    def test_letter_filter(self, client, bpo_world):
        response = client.get("/terms/", {"letter": "K"})
        assert titles(response) == ["KPO"]
        assert "Letter K" in response.content.decode()

    def test_category_or_within_a_facet_and_across_facets(self, client, bpo_world):
        either_place = client.get("/terms/", {"category": ["location/offshore", "location/onshore"]})
        assert titles(either_place) == ["BPO", "Call center", "KPO"]
        offshore_front = client.get(
            "/terms/", {"category": ["location/offshore", "office-function/front-office"]}
        )
        assert titles(offshore_front) == ["BPO"]

    def test_tag_filter_is_repeatable_and_narrows(self, client, bpo_world):
        assert titles(client.get("/terms/", {"tag": "outsourcing"})) == ["BPO", "KPO"]
        assert titles(client.get("/terms/", {"tag": ["outsourcing", "knowledge"]})) == ["KPO"]

    def test_text_filter(self, client, bpo_world):
        assert titles(client.get("/terms/", {"q": "knowledge"})) == ["KPO"]

    def test_option_counts_say_what_each_option_would_leave(self, client, bpo_world):
        response = client.get("/terms/", {"category": "location/offshore"})
        facets = {
            facet.slug: {o.label: (o.count, o.selected) for o in options}
            for facet, options in response.context["filter"].facet_options()
        }
        # Within the selected facet, counts ignore the facet's own selection (OR).
        assert facets["location"] == {"Offshore": (2, True), "Onshore": (1, False)}
        assert facets["office-function"] == {"Back office": (2, False), "Front office": (1, False)}
        tags = {o.label: o.count for o in response.context["filter"].tag_options()}
        assert tags == {"knowledge": 1, "outsourcing": 2}
        letters = {o.label: o.count for o in response.context["filter"].letter_options() if o.count}
        assert letters == {"B": 1, "K": 1}

    def test_active_filters_can_be_removed_one_by_one(self, client, bpo_world):
        response = client.get("/terms/", {"category": "location/offshore", "tag": "knowledge", "letter": "K"})
        chips = {chip.label: chip.remove_url for chip in response.context["filter"].active_filters()}
        assert set(chips) == {"Location: Offshore", "#knowledge", "Letter K"}
        without_tag = client.get("/terms/" + chips["#knowledge"])
        assert "tag=" not in chips["#knowledge"]
        assert titles(without_tag) == ["KPO"]
        assert "Remove filter #knowledge" in response.content.decode()

    @override_settings(GLOSSARY_TERMS_PER_PAGE=2)
    def test_pagination(self, client, bpo_world):
        first = client.get("/terms/")
        assert titles(first) == ["BPO", "Call center"]
        assert 'rel="next" href="?page=2"' in first.content.decode()
        assert titles(client.get("/terms/", {"page": 2})) == ["KPO"]

    def test_filter_links_keep_the_other_filters(self, client, bpo_world):
        response = client.get("/terms/", {"tag": "outsourcing"})
        letters = {o.label: o.url for o in response.context["filter"].letter_options()}
        assert letters["K"] == "?letter=K&tag=outsourcing"

    def test_option_links_choose_or_drop_their_value_and_keep_the_rest(self, client, bpo_world):
        response = client.get("/terms/", {"category": "location/offshore", "tag": "outsourcing"})
        term_filter = response.context["filter"]
        categories = {o.label: o.url for _, options in term_filter.facet_options() for o in options}
        assert categories["Offshore"] == "?tag=outsourcing"
        assert categories["Back office"] == (
            "?category=location%2Foffshore&category=office-function%2Fback-office&tag=outsourcing"
        )
        tags = {o.label: o.url for o in term_filter.tag_options()}
        assert tags["outsourcing"] == "?category=location%2Foffshore"
        for url in [*categories.values(), *tags.values()]:
            assert client.get("/terms/" + url).status_code == 200


class TestArticle:
    def test_article_shows_everything_about_the_term(self, client, bpo_world):
        bpo = bpo_world["bpo"]
        bpo.benefits.add(factories.benefit(name="Lower costs"))
        bpo.risks.add(factories.risk(name="Data security", mitigation="Audit the provider."))
        factories.faq(bpo, question="Is BPO the same as a call center?", answer="*No.*")
        factories.source(bpo, title="What is BPO?", url="https://example.com/bpo")
        response = client.get("/terms/bpo/")
        assert response.status_code == 200
        html = response.content.decode()
        for text in [
            '<h1 id="term-heading">BPO</h1>',
            "Business Process Outsourcing",
            "Hiring another company to run a business process.",
            "<h2>Types</h2>",
            "Lower costs",
            "Data security",
            "Audit the provider.",
            "Is BPO the same as a call center?",
            "<em>No.</em>",
            'href="https://example.com/bpo"',
            "Narrower terms",
            'href="/terms/kpo/"',
            "Contrasts with",
            'href="/terms/call-center/"',
            "Offshore",
            "Back office",
            "outsourcing",
        ]:
            assert text in html, text
        assert '<meta name="description" content="Hiring another company to run a business process.">' in html

    def test_inverse_relation_is_shown_on_the_other_term(self, client, bpo_world):
        html = client.get("/terms/kpo/").content.decode()
        assert "Broader terms" in html and 'href="/terms/bpo/"' in html

    def test_related_terms_are_alphabetical_whichever_side_they_were_entered_on(self, client, db):
        hub = factories.term(headword="Hub", slug="hub")
        for headword in ["Delta", "alpha", "Charlie"]:
            factories.relation(hub, factories.term(headword=headword), "see_also")
        factories.relation(factories.term(headword="Bravo"), hub, "see_also")
        related = dict(client.get("/terms/hub/").context["article"].related)
        assert [term.headword for term in related["See also"]] == ["alpha", "Bravo", "Charlie", "Delta"]

    def test_alias_address_redirects_permanently(self, client, bpo_world):
        response = client.get("/terms/business-process-outsourcing/")
        assert response.status_code == 301
        assert response["Location"] == "/terms/bpo/"

    def test_alias_in_another_script_redirects_too(self, client, bpo_world):
        factories.term(headword="Kaizen", slug="kaizen", aliases=["改善"])
        response = client.get("/terms/改善/")
        assert response.status_code == 301
        assert response["Location"] == "/terms/kaizen/"

    def test_draft_is_404_for_readers_and_previewable_by_staff(self, client, admin_client, db):
        draft = factories.draft(headword="Draft", slug="draft", aliases=["draft alias"])
        assert client.get("/terms/draft/").status_code == 404
        assert client.get("/terms/draft-alias/").status_code == 404
        response = admin_client.get("/terms/draft/")
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]
        assert draft.headword in response.content.decode()
        assert "Preview: this term is a draft" in response.content.decode()

    def test_scheduled_term_is_404_for_readers_and_previewed_as_scheduled(self, client, admin_client, db):
        soon = factories.scheduled(slug="soon")
        assert client.get("/terms/soon/").status_code == 404
        html = admin_client.get("/terms/soon/").content.decode()
        assert f"Preview: this term is scheduled for {soon.published_at:%-d %B %Y}" in html
        assert "is a draft" not in html

    def test_an_alias_that_only_restates_a_name_is_not_listed(self, client, db):
        factories.term(
            headword="BPO",
            expansion="Business Process Outsourcing",
            slug="bpo",
            aliases=["business process outsourcing", "bpo services", "Outsourcing of processes"],
        )
        html = client.get("/terms/bpo/").content.decode()
        assert "Also called: <em>bpo services</em>, <em>Outsourcing of processes</em></p>" in html

    def test_staff_without_change_permission_cannot_preview(self, client, django_user_model, db):
        factories.draft(slug="draft")
        user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
        client.force_login(user)
        assert client.get("/terms/draft/").status_code == 404

    def test_stored_markup_is_never_run(self, client, db):
        factories.term(
            slug="x",
            headword="<script>alert(1)</script>",
            definition='"><img src=x onerror=alert(1)>',
            body="<script>alert(2)</script>",
        )
        html = client.get("/terms/x/").content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


class TestTaxonomyPages:
    def test_category_page(self, client, bpo_world):
        response = client.get("/categories/location/offshore/")
        assert response.status_code == 200
        assert titles(response) == ["BPO", "KPO"]
        assert 'href="/terms/?category=location%2Foffshore"' in response.content.decode()

    def test_category_slug_belongs_to_its_facet(self, client, bpo_world):
        assert client.get("/categories/office-function/offshore/").status_code == 404

    def test_tag_page(self, client, bpo_world):
        response = client.get("/tags/outsourcing/")
        assert response.status_code == 200
        assert titles(response) == ["BPO", "KPO"]

    def test_tags_in_any_script_link_to_their_page(self, client, db):
        factories.term(headword="Kaizen", slug="kaizen", tags=["日本", "Ünïcode"])
        html = client.get("/terms/kaizen/").content.decode()
        assert 'href="/tags/%E6%97%A5%E6%9C%AC/"' in html
        tag_page = client.get("/tags/日本/")
        assert titles(tag_page) == ["Kaizen"]
        assert 'href="/terms/?tag=%E6%97%A5%E6%9C%AC"' in tag_page.content.decode()
        assert titles(client.get("/tags/ünïcode/")) == ["Kaizen"]

    def test_a_tag_only_drafts_have_stays_private(self, client, db):
        factories.draft(tags=["Secret Project"])
        factories.term(tags=["outsourcing"])
        assert client.get("/tags/secret-project/").status_code == 404
        response = client.get("/terms/", {"tag": "secret-project"})
        assert "Secret Project" not in response.content.decode()
        assert [option.label for option in response.context["filter"].tag_options()] == ["outsourcing"]

    def test_benefit_and_risk_pages(self, client, bpo_world):
        benefit = factories.benefit(name="Lower costs", slug="lower-costs")
        risk = factories.risk(name="Data security", slug="data-security", mitigation="Audit the provider.")
        bpo_world["bpo"].benefits.add(benefit)
        bpo_world["bpo"].risks.add(risk)
        draft = factories.draft(headword="Hidden")
        draft.benefits.add(benefit)
        response = client.get("/benefits/lower-costs/")
        assert response.status_code == 200 and titles(response) == ["BPO"]
        response = client.get("/risks/data-security/")
        assert response.status_code == 200 and titles(response) == ["BPO"]
        assert "Audit the provider." in response.content.decode()

    @pytest.mark.parametrize("url", ["/tags/nope/", "/benefits/nope/", "/risks/nope/", "/categories/a/b/"])
    def test_unknown_slugs_are_404_in_the_sites_design(self, client, url, db):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "We could not find that page" in html
        assert '<a class="skip-link" href="#main">' in html


def test_server_error_page_uses_the_sites_design(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_a_site_mounted_under_a_path_links_within_it(client, bpo_world):
    """Addresses are kept once made (glossary.addresses), but per script prefix. (The
    test client leaves the prefix to the test, as Django's WSGI handler sets it from SCRIPT_NAME.)"""
    bpo_world["bpo"].benefits.add(factories.benefit())
    bpo_world["bpo"].risks.add(factories.risk())
    plain = client.get("/terms/").content.decode()
    plain_article = client.get("/terms/bpo/").content.decode()
    set_script_prefix("/kb/")
    try:
        mounted = client.get("/terms/", SCRIPT_NAME="/kb").content.decode()
        mounted_article = client.get("/terms/bpo/", SCRIPT_NAME="/kb").content.decode()
    finally:
        set_script_prefix("/")
    # An article's categories, benefits and risks link through their models' get_absolute_url().
    assert 'href="/categories/location/offshore/"' in plain_article
    assert 'href="/kb/categories/location/offshore/"' in mounted_article
    assert 'href="/kb/benefits/' in mounted_article and 'href="/kb/risks/' in mounted_article
    assert not re.search(r'href="/(categories|benefits|risks|tags)/', mounted_article)
    assert 'href="/terms/bpo/"' in plain and 'action="/search/"' in plain
    assert 'href="/kb/terms/bpo/"' in mounted and 'action="/kb/search/"' in mounted
    assert 'href="/kb/terms/"' in mounted and '"/terms/' not in mounted  # the sidebar's form too
    assert client.get("/terms/?letter=B").content.decode().count('href="/kb/') == 0


def test_the_site_header_s_search_box_shows_each_page_s_own_query(client, bpo_world):
    """The header is rendered once per query and kept (glossary.rendering.unchanging)."""
    box = re.compile(r'<input id="site-q"[^>]* value="([^"]*)"')
    assert box.search(client.get("/terms/bpo/").content.decode())[1] == ""
    assert box.search(client.get("/search/?q=bpo").content.decode())[1] == "bpo"
    assert box.search(client.get("/search/?q=%3Cb%3E+kpo").content.decode())[1] == "&lt;b&gt; kpo"
    assert box.search(client.get("/search/?q=bpo").content.decode())[1] == "bpo"
    assert box.search(client.get("/").content.decode())[1] == ""


def test_published_term_count_matches_index(client, bpo_world):
    response = client.get("/terms/")
    assert response.context["page_obj"].paginator.count == Term.objects.published().count() == 3


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/terms/",
        "/terms/bpo/",
        "/categories/location/offshore/",
        "/tags/outsourcing/",
        "/benefits/lower-costs/",
        "/risks/data-security/",
        "/search/?q=bpo",
    ],
)
def test_headings_never_skip_a_level(client, bpo_world, url):
    """Screen reader users move by heading level; one h1, and no h3 without an h2 before it."""
    bpo_world["bpo"].benefits.add(factories.benefit(name="Lower costs", slug="lower-costs"))
    bpo_world["bpo"].risks.add(factories.risk(name="Data security", slug="data-security"))
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", client.get(url).content.decode())]
    assert levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels)), levels
