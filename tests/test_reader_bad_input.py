"""Nonsense in any parameter or URL gets a 200 with an empty or clamped result, or a 404: never a 500."""

from urllib.parse import quote

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

LISTS = ["/terms/", "/search/", "/categories/location/offshore/", "/tags/outsourcing/"]
PAGES = ["abc", "0", "-1", "99999999999999999999", "1.5", "", "%00", "1e3", "\x00"]


@override_settings(GLOSSARY_TERMS_PER_PAGE=1, GLOSSARY_SEARCH_RESULTS_PER_PAGE=1)
@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", PAGES)
def test_nonsense_page_numbers_are_clamped(client, bpo_world, url, page):
    """Out of range goes to the last page (Django's Paginator.get_page), anything else to the first."""
    response = client.get(url, {"page": page, "q": "outsourcing"} if url == "/search/" else {"page": page})
    assert response.status_code == 200
    page_obj = response.context["page_obj"]
    assert page_obj.paginator.num_pages > 1
    out_of_range = page in {"0", "-1", "99999999999999999999"}
    assert page_obj.number == (page_obj.paginator.num_pages if out_of_range else 1)


def test_page_past_the_end_shows_the_last_page(client, bpo_world):
    response = client.get("/terms/", {"page": "99999999999999999999"})
    assert [t.headword for t in response.context["page_obj"]] == ["BPO", "Call center", "KPO"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "location/nowhere"}, "category"),
        ({"category": "nonsense"}, "category"),
        ({"category": "location/offshore/extra"}, "category"),
        ({"tag": "no-such-tag"}, "tag"),
        ({"letter": "ab"}, "letter"),
        ({"letter": "\x00"}, "letter"),
        ({"letter": "é"}, "letter"),
        ({"letter": "b"}, "letter"),
        ({"category": "location/off\x00shore"}, "category"),
    ],
)
def test_unknown_filter_values_are_reported_and_ignored(client, bpo_world, params, field):
    response = client.get("/terms/", params)
    assert response.status_code == 200
    assert field in response.context["filter"].errors
    assert "were not understood and were ignored" in response.content.decode()
    assert response.context["page_obj"].paginator.count == 3


def test_an_unknown_value_beside_known_ones_drops_only_itself(client, bpo_world):
    response = client.get("/terms/", {"tag": ["outsourcing", "no-such-tag"], "category": "location/offshore"})
    assert "tag" in response.context["filter"].errors
    assert [term.headword for term in response.context["page_obj"]] == ["BPO", "KPO"]
    assert "tag=no-such-tag" not in response.context["filter"].active_filters()[0].remove_url


def test_a_repeated_filter_value_counts_once(client, bpo_world):
    response = client.get("/terms/", {"category": ["location/offshore"] * 2, "tag": ["outsourcing"] * 2})
    assert not response.context["filter"].errors
    assert [chip.label for chip in response.context["filter"].active_filters()] == [
        "Location: Offshore",
        "#outsourcing",
    ]


@pytest.mark.parametrize(
    "q",
    [
        "x" * 10_000,
        "a\x00b",
        "\x00",
        "bpo\x00",
        "!!!",
        "   ",
        "'",
        '"',
        "%",
        "_",
        "\\",
        "*",
        "-bpo",
        "bpo AND kpo OR NEAR(x y)",
        "(bpo",
        "bpo)",
        '"unclosed',
        "{names}: bpo",
        "bpo:*",
        "a & b | !c",
        "<script>alert(1)</script>",
        "😀 emoji",
        "ＢＰＯ",
        # a typo beside words the names hold, wrapped in syntax: the respelling path
        'busines "process" outsourcing*',
        "procss AND (outsourcing -business",
    ],
)
@pytest.mark.parametrize("url", ["/terms/", "/search/"])
def test_any_text_query_gets_a_page(client, bpo_world, url, q):
    response = client.get(url, {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C3", "%"])
@pytest.mark.parametrize("url", ["/terms/", "/search/", "/search/suggest/"])
def test_query_strings_that_are_not_utf8(client, bpo_world, url, raw):
    assert client.get(f"{url}?q={raw}&category={raw}").status_code == 200


def test_long_query_is_clamped_in_the_form(client, bpo_world):
    response = client.get("/terms/", {"q": "bpo " + "x" * 10_000})
    assert len(response.context["filter"].values["q"]) == 200


def test_typo_beside_syntax_is_respelled(client, bpo_world):
    response = client.get("/search/", {"q": 'busines "process" outsourcing*'})
    assert response.context["filter"].search.respelled
    assert [t.headword for t in response.context["page_obj"]][0] == "BPO"


def test_fullwidth_letters_find_the_term(client, bpo_world):
    response = client.get("/search/", {"q": "ＢＰＯ"})
    assert [t.headword for t in response.context["page_obj"]][0] == "BPO"


def test_repeated_parameters(client, bpo_world):
    query = "letter=K&letter=B&q=kpo&q=bpo&page=1&page=2&tag=outsourcing&tag=outsourcing"
    response = client.get(f"/terms/?{query}")
    assert response.status_code == 200
    # The last value of a single-valued parameter wins, as in Django's QueryDict.
    assert response.context["filter"].values["letter"] == "B"
    assert [t.headword for t in response.context["page_obj"]] == ["BPO"]


def test_unknown_parameters_are_ignored(client, bpo_world):
    response = client.get("/terms/", {"order_by": "-id; DROP TABLE glossary_term", "sort": "password"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3


@pytest.mark.parametrize(
    "path",
    [
        "/terms/no-such-term/",
        "/terms/" + quote("bpo\x00") + "/",
        "/terms/" + "x" * 5000 + "/",
        "/terms/%E2%9C%93/",
        "/categories/location/",
        "/categories/location/nowhere/",
        "/categories/nowhere/offshore/",
        "/tags/" + quote("a\x00b") + "/",
        "/benefits/%00/",
        "/risks/" + "r" * 300 + "/",
        "/terms/../admin/",
        "/nothing-here/",
    ],
)
def test_nonsense_paths_are_404(client, bpo_world, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("q", ["", "\x00", "x" * 10_000, "<b>", '"', "*", "(", "!!!", "b\x00po"])
def test_suggest_never_fails(client, bpo_world, q):
    response = client.get("/search/suggest/", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["suggestions"], list)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
@pytest.mark.parametrize("url", ["/", "/terms/", "/search/suggest/"])
def test_reader_pages_only_answer_get_and_head(client, bpo_world, method, url):
    assert getattr(client, method)(url).status_code == 405
    assert client.head(url).status_code == 200


def test_repeated_words_are_searched_once(client, bpo_world):
    response = client.get("/search/", {"q": "bpo outsourcing bpo outsourcing bpo kpo outsourcing"})
    assert response.status_code == 200
    assert response.context["filter"].search.query.words == ("bpo", "kpo", "outsourcing")
