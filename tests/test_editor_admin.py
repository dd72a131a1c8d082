"""Editors curate through the Django admin: forms with inlines, clear errors, bulk actions, permissions."""

import pytest
from django.contrib.auth.models import Permission

from glossary.models import FAQ, Alias, Source, Term, TermRelation

from . import factories

pytestmark = pytest.mark.django_db

INLINES = ["aliases", "relations_out", "faqs", "sources"]


def term_form(**values):
    """POST data for the term add/change form, with empty inline formsets unless given."""
    data = {
        "headword": "ITO",
        "expansion": "Information Technology Outsourcing",
        "slug": "ito",
        "definition": "Hiring another company to run IT work.",
        "body": "Networks, software and **support**.",
        "tags": "outsourcing, technology",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
    }
    for prefix in INLINES:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | values


def inline(prefix, *rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        data |= {f"{prefix}-{n}-{field}": value for field, value in row.items()}
    return data


def errors(response):
    """Every error the admin shows for a form and its inlines."""
    adminform = response.context["adminform"]
    found = [str(e) for e in adminform.form.non_field_errors()]
    found += [str(e) for errors in adminform.form.errors.values() for e in errors]
    for formset in response.context["inline_admin_formsets"]:
        found += [str(e) for e in formset.formset.non_form_errors()]
        found += [str(e) for form_errors in formset.formset.errors for es in form_errors.values() for e in es]
    return found


class TestAddAndChange:
    def test_add_term_with_every_inline(self, admin_client, bpo_world):
        offshore, bpo = bpo_world["offshore"], bpo_world["bpo"]
        benefit, risk = factories.benefit(), factories.risk()
        data = term_form(
            categories=[offshore.pk],
            benefits=[benefit.pk],
            risks=[risk.pk],
            status="published",
            **inline("aliases", {"name": "information technology outsourcing services"}),
            **inline("relations_out", {"to_term": bpo.pk, "kind": "broader"}),
            **inline("faqs", {"question": "Is it new?", "answer": "*No.*", "position": "0"}),
            **inline(
                "sources",
                {"title": "ITO explained", "publisher": "A", "url": "https://e.com", "position": "0"},
            ),
        )
        response = admin_client.post("/admin/glossary/term/add/", data)
        assert response.status_code == 302, errors(response)
        ito = Term.objects.get(slug="ito")
        assert ito.is_published()
        assert list(ito.categories.all()) == [offshore]
        assert list(ito.benefits.all()) == [benefit] and list(ito.risks.all()) == [risk]
        assert sorted(ito.tags.names()) == ["outsourcing", "technology"]
        assert Alias.objects.get(term=ito).slug == "information-technology-outsourcing-services"
        assert TermRelation.objects.get(from_term=ito).to_term == bpo
        assert FAQ.objects.get(term=ito).answer_html == "<p><em>No.</em></p>\n"
        assert Source.objects.get(term=ito).url == "https://e.com"
        assert ito.body_html == "<p>Networks, software and <strong>support</strong>.</p>\n"

    def test_change_term(self, admin_client, bpo_world):
        bpo = bpo_world["bpo"]
        page = admin_client.get(f"/admin/glossary/term/{bpo.pk}/change/")
        assert page.status_code == 200
        view_on_site = page.context["original"]
        assert 'class="viewsitelink">View on site</a>' in page.content.decode()
        assert view_on_site.get_absolute_url() == "/terms/bpo/"
        data = term_form(
            headword="BPO",
            expansion="Business Process Outsourcing",
            slug="bpo",
            definition="Changed definition.",
            status="published",
            **{"aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"},
        )
        response = admin_client.post(f"/admin/glossary/term/{bpo.pk}/change/", data)
        assert response.status_code == 302, errors(response)
        bpo.refresh_from_db()
        assert bpo.definition != "Changed definition."  # readers see it once approved
        admin_client.post(f"/admin/glossary/term/{bpo.pk}/review/", {"decision": "approve"})
        bpo.refresh_from_db()
        assert bpo.definition == "Changed definition."

    def test_add_page_has_autocomplete_widgets_and_prepopulated_slug(self, admin_client, db):
        response = admin_client.get("/admin/glossary/term/add/")
        html = response.content.decode()
        # categories, benefits, risks, and the related term of the blank relation row and its template
        assert html.count('data-ajax--url="/admin/autocomplete/"') == 5
        slug = response.context["adminform"].form.fields["slug"]
        assert [f["field"].name for f in response.context["prepopulated_fields"]] == ["slug"]
        assert slug.required

    def test_autocomplete_finds_categories(self, admin_client, bpo_world):
        response = admin_client.get(
            "/admin/autocomplete/",
            {"app_label": "glossary", "model_name": "term", "field_name": "categories", "term": "offs"},
        )
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == ["Location: Offshore"]


class TestFormErrors:
    def post_new(self, admin_client, **values):
        response = admin_client.post("/admin/glossary/term/add/", term_form(**values))
        assert response.status_code == 200
        return errors(response)

    def test_required_fields(self, admin_client, db):
        found = self.post_new(admin_client, headword="", slug="", definition="")
        assert found.count("This field is required.") == 3
        assert not Term.objects.exists()

    def test_duplicate_slug(self, admin_client, bpo_world):
        assert "Term with this Slug already exists." in self.post_new(admin_client, slug="bpo")

    def test_alias_that_is_another_terms_headword(self, admin_client, bpo_world):
        found = self.post_new(admin_client, **inline("aliases", {"name": "KPO"}))
        assert any("already the name or address of KPO" in e for e in found), found
        assert not Term.objects.filter(slug="ito").exists()

    def test_aliases_in_another_script(self, admin_client, db):
        data = term_form(**inline("aliases", {"name": "情報技術アウトソーシング"}, {"name": "ИТ-аутсорсинг"}))
        assert admin_client.post("/admin/glossary/term/add/", data).status_code == 302
        aliases = Term.objects.get(slug="ito").aliases.values_list("slug", flat=True)
        assert sorted(aliases) == ["ит-аутсорсинг", "情報技術アウトソーシング"]

    def test_alias_listed_twice(self, admin_client, db):
        found = self.post_new(
            admin_client, **inline("aliases", {"name": "IT outsourcing"}, {"name": "it Outsourcing"})
        )
        assert "This alias is listed twice." in found

    def test_headword_that_is_another_terms_alias(self, admin_client, bpo_world):
        found = self.post_new(admin_client, headword="Call centre", slug="call-centre-2")
        assert any("already an alias of Call center" in e for e in found), found

    def test_source_url_must_be_http(self, admin_client, db):
        found = self.post_new(admin_client, **inline("sources", {"title": "T", "url": "javascript:alert(1)"}))
        assert "Enter a valid URL." in found

    def test_relation_to_itself_on_change(self, admin_client, bpo_world):
        bpo = bpo_world["bpo"]
        data = term_form(
            headword="BPO", slug="bpo", **inline("relations_out", {"to_term": bpo.pk, "kind": "see_also"})
        )
        response = admin_client.post(f"/admin/glossary/term/{bpo.pk}/change/", data)
        assert response.status_code == 200
        assert "A term cannot relate to itself." in errors(response)

    def test_same_headword_and_expansion_as_another_term(self, admin_client, db):
        factories.term(headword="RPO", expansion="Recruitment Process Outsourcing", slug="rpo")
        found = self.post_new(admin_client, headword="rpo", expansion="recruitment process outsourcing")
        assert "Another term already has this headword and expansion." in found
        another_meaning = term_form(headword="RPO", expansion="Recovery Point Objective", slug="rpo-2")
        assert admin_client.post("/admin/glossary/term/add/", another_meaning).status_code == 302

    @pytest.mark.parametrize("kind", ["benefit", "risk"])
    def test_benefit_or_risk_named_like_another(self, admin_client, db, kind):
        getattr(factories, kind)(name="Cost savings")
        data = {"name": "cost savings", "slug": "cost-savings-2", "description": "Again."}
        response = admin_client.post(f"/admin/glossary/{kind}/add/", data)
        assert response.status_code == 200
        assert f"A {kind} with this name already exists." in response.content.decode()

    def test_article_longer_than_the_limit(self, admin_client, db):
        found = self.post_new(admin_client, body="x" * 20_001, definition="d" * 401)
        assert "Ensure this value has at most 20000 characters (it has 20001)." in found
        assert "Ensure this value has at most 400 characters (it has 401)." in found

    def test_tag_without_letters_or_digits(self, admin_client, db):
        found = self.post_new(admin_client, tags="outsourcing, !!!")
        assert "Each tag needs a letter or digit (not: !!!)." in found
        assert not Term.objects.exists()

    def test_tags_in_any_script(self, admin_client, db):
        response = admin_client.post("/admin/glossary/term/add/", term_form(tags="日本, Ünïcode"))
        assert response.status_code == 302
        assert sorted(Term.objects.get(slug="ito").tags.values_list("slug", flat=True)) == ["ünïcode", "日本"]

    def test_unknown_status_and_category(self, admin_client, db):
        found = self.post_new(admin_client, status="archived", categories=["99999"])
        assert any("Select a valid choice" in e for e in found)
        assert len([e for e in found if "valid choice" in e]) == 2

    @pytest.mark.parametrize("tags", ["x" * 91, "y" * 100_000], ids=["91 characters", "100 KB"])
    def test_tag_longer_than_its_column(self, admin_client, db, tags):
        found = self.post_new(admin_client, tags=f"outsourcing, {tags}")
        assert any("A tag holds at most 90 characters" in e for e in found), found
        assert not Term.objects.exists()

    def test_more_tags_than_a_term_takes(self, admin_client, db):
        found = self.post_new(admin_client, tags=", ".join(f"tag {n}" for n in range(21)))
        assert "A term takes at most 20 tags (this has 21)." in found

    @pytest.mark.parametrize(
        "field", ["headword", "expansion", "tags", "aliases-0-name"], ids=lambda field: field.split("-")[-1]
    )
    def test_names_with_invisible_bidirectional_controls(self, admin_client, db, field):
        values = {field: "Outsourcing \u202egnicruostuo"}
        if field.startswith("aliases"):
            values = inline("aliases", {"name": values[field]})
        found = self.post_new(admin_client, **values)
        assert any("invisible control characters (U+202E)" in e for e in found), found
        assert not Term.objects.exists()

    @pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1"])
    @pytest.mark.parametrize("field", ["categories", "benefits", "risks"])
    def test_ids_that_cannot_be_rows(self, admin_client, db, field, value):
        found = self.post_new(admin_client, **{field: [value]})
        assert any("is not a valid value" in e or "valid choice" in e for e in found), found

    @pytest.mark.parametrize("value", ["abc", "99999999999999999999"])
    def test_related_term_that_cannot_be_a_row(self, admin_client, db, value):
        found = self.post_new(admin_client, **inline("relations_out", {"to_term": value, "kind": "see_also"}))
        assert any("valid choice" in e for e in found), found

    def test_an_inline_takes_at_most_fifty_rows_whatever_the_post_claims(self, admin_client, db):
        data = term_form(**{"aliases-TOTAL_FORMS": "1000000", "aliases-0-name": "one"})
        response = admin_client.post("/admin/glossary/term/add/", data)
        assert response.status_code == 200
        aliases = next(
            f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "aliases"
        )
        assert len(aliases.forms) == 50
        assert "Please submit at most 50 forms." in aliases.non_form_errors()
        assert not Term.objects.exists()

    def test_an_editable_list_takes_at_most_a_page_of_rows_whatever_the_post_claims(self, admin_client, db):
        facet = factories.facet(position=3)
        data = {"form-TOTAL_FORMS": "1000000", "form-INITIAL_FORMS": "0", "_save": "Save"}
        data |= {"form-0-id": facet.pk, "form-0-position": "9"}
        response = admin_client.post("/admin/glossary/facet/", data)
        assert response.status_code == 200
        formset = response.context["cl"].formset
        assert len(formset.forms) <= 200 and "Please submit at most 200 forms." in formset.non_form_errors()
        facet.refresh_from_db()
        assert facet.position == 3

    @pytest.mark.parametrize(
        ("url", "values", "field", "limit"),
        [
            (
                "/admin/glossary/facet/add/",
                {"name": "Region", "slug": "region", "position": "0"},
                "description",
                300,
            ),
            ("/admin/glossary/benefit/add/", {"name": "Speed", "slug": "speed"}, "description", 600),
            (
                "/admin/glossary/risk/add/",
                {"name": "Lock-in", "slug": "lock-in", "description": "Stuck."},
                "mitigation",
                600,
            ),
        ],
    )
    def test_descriptions_are_as_long_as_readers_would_read(
        self, admin_client, db, url, values, field, limit
    ):
        response = admin_client.post(url, {**values, field: "w" * (limit + 1), **inline("categories")})
        assert response.status_code == 200
        assert f"at most {limit} characters" in str(response.context["adminform"].form.errors[field])

    def test_category_and_facet_names_with_invisible_controls(self, admin_client, db):
        data = {"name": "Loc\u2067ation", "slug": "location", "position": "0"}
        data |= inline("categories", {"name": "Off\u202eshore", "slug": "offshore", "position": "0"})
        response = admin_client.post("/admin/glossary/facet/add/", data)
        assert response.status_code == 200
        found = errors(response)
        assert sum("invisible control characters" in e for e in found) == 2, found


class TestListAndActions:
    def test_changelist_columns_filters_and_search(self, admin_client, bpo_world):
        response = admin_client.get("/admin/glossary/term/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Business Process Outsourcing" in html and "Offshore, Back office, Front office" in html
        by_alias = admin_client.get("/admin/glossary/term/", {"q": "call centre"})
        assert [t.headword for t in by_alias.context["cl"].result_list] == ["Call center"]
        by_category = admin_client.get(
            "/admin/glossary/term/", {"categories__id__exact": bpo_world["onshore"].pk}
        )
        assert [t.headword for t in by_category.context["cl"].result_list] == ["Call center"]
        drafts = admin_client.get("/admin/glossary/term/", {"status__exact": "draft"})
        assert list(drafts.context["cl"].result_list) == []

    def test_publish_and_unpublish_actions(self, admin_client, db):
        draft, live = factories.draft(), factories.term()
        response = admin_client.post(
            "/admin/glossary/term/",
            {"action": "publish", "_selected_action": [draft.pk, live.pk]},
            follow=True,
        )
        assert "Published 1 term(s)." in response.content.decode()
        draft.refresh_from_db()
        assert draft.is_published()
        response = admin_client.post(
            "/admin/glossary/term/", {"action": "unpublish", "_selected_action": [draft.pk]}, follow=True
        )
        assert "Moved 1 term(s) back to draft." in response.content.decode()
        assert list(Term.objects.published()) == [live]

    def test_publish_action_brings_a_scheduled_term_forward(self, admin_client, db):
        scheduled = factories.scheduled()
        response = admin_client.post(
            "/admin/glossary/term/", {"action": "publish", "_selected_action": [scheduled.pk]}, follow=True
        )
        assert "Published 1 term(s)." in response.content.decode()
        scheduled.refresh_from_db()
        assert scheduled.is_published()

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/glossary/facet/add/",
            "/admin/glossary/category/add/",
            "/admin/glossary/benefit/add/",
            "/admin/glossary/risk/add/",
            "/admin/taggit/tag/add/",
            "/admin/glossary/facet/",
            "/admin/glossary/category/",
            "/admin/glossary/benefit/",
            "/admin/glossary/risk/",
            "/admin/taggit/tag/",
        ],
    )
    def test_every_taxonomy_is_editable(self, admin_client, bpo_world, url):
        assert admin_client.get(url).status_code == 200

    def test_add_facet_with_categories(self, admin_client, db):
        data = {
            "name": "Industry",
            "slug": "industry",
            "description": "",
            "position": "0",
            "categories-TOTAL_FORMS": "2",
            "categories-INITIAL_FORMS": "0",
            "categories-0-name": "Finance",
            "categories-0-slug": "finance",
            "categories-0-position": "0",
            "categories-1-name": "Health",
            "categories-1-slug": "health",
            "categories-1-position": "1",
        }
        response = admin_client.post("/admin/glossary/facet/add/", data)
        assert response.status_code == 302
        assert [c.key for c in factories.Category.objects.all()] == ["industry/finance", "industry/health"]


class TestPermissions:
    @pytest.fixture
    def viewer(self, client, django_user_model):
        user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_term"))
        client.force_login(user)
        return client

    def test_viewer_cannot_add_change_or_run_actions(self, viewer, bpo_world):
        bpo = bpo_world["bpo"]
        assert viewer.get("/admin/glossary/term/").status_code == 200
        assert viewer.get("/admin/glossary/term/add/").status_code == 403
        assert viewer.post("/admin/glossary/term/add/", term_form()).status_code == 403
        response = viewer.post(f"/admin/glossary/term/{bpo.pk}/change/", term_form(slug="bpo", headword="X"))
        assert response.status_code == 403
        viewer.post("/admin/glossary/term/", {"action": "unpublish", "_selected_action": [bpo.pk]})
        bpo.refresh_from_db()
        assert bpo.headword == "BPO" and bpo.is_published()

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get("/admin/glossary/term/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_admin_forms_need_csrf(self, admin_user, bpo_world):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(admin_user)
        assert strict.post("/admin/glossary/term/add/", term_form()).status_code == 403
        assert not Term.objects.filter(slug="ito").exists()
