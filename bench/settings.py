"""Production settings for the page benchmarks: kb.settings.prod, plus a hello-world page."""

from kb.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
