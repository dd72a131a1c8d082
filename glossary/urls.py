from django.urls import path, register_converter
from django.urls.converters import SlugConverter

from . import views


class UnicodeSlugConverter(SlugConverter):
    """Letters of any script, digits, hyphens and underscores: tag slugs (“日本”) and alias addresses."""

    regex = r"[-\w]+"


register_converter(UnicodeSlugConverter, "unicode_slug")

app_name = "glossary"

urlpatterns = [
    path("", views.home, name="home"),
    path("terms/", views.term_list, name="term_list"),
    path("search/", views.term_list, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("terms/<unicode_slug:slug>/", views.term_detail, name="term"),
    path("categories/<slug:facet_slug>/<slug:slug>/", views.category_detail, name="category"),
    path("tags/<unicode_slug:slug>/", views.tag_detail, name="tag"),
    path("benefits/<slug:slug>/", views.benefit_detail, name="benefit"),
    path("risks/<slug:slug>/", views.risk_detail, name="risk"),
]
