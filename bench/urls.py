"""The project's URLs and a hello-world page: what the full middleware stack costs on its own."""

from django.http import HttpResponse
from django.urls import path

from kb.urls import urlpatterns as project_urlpatterns


def hello(request):
    return HttpResponse("Hello, world")


urlpatterns = [path("_bench/hello/", hello), *project_urlpatterns]
