"""What rendering costs: the index's 50 cards in Django's template language and in Jinja2.

    python bench/templates.py

The same markup, the same 50 unsaved terms and the same URL reversing in both engines, so the
difference is the engines' own: the reader pages' own cards macro against the same partial in
Django's template language, as it was before the reader pages moved to Jinja2. Prints the median
of 30 renders of each, and their ratio.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")
django.setup()

from django.test import RequestFactory  # noqa: E402

from glossary.models import Term  # noqa: E402

CARDS = 50
RUNS = 30

# The cards partial as it was in Django's template language, before the reader pages moved to Jinja2
# (but for the snippet's highlight filter: these terms have no snippet, in either engine).
DTL_CARDS = (
    """<div class="cards">{% for term in terms %}<article class="card">
  <h3 class="card__title"><a href="{{ term.get_absolute_url }}">{{ term.headword }}</a>"""
    """{% if term.expansion %} <span class="card__expansion">{{ term.expansion }}</span>{% endif %}</h3>
  {% if term.snippet %}
    <p class="card__text card__text--snippet">{{ term.snippet }}</p>
  {% else %}
    <p class="card__text">{{ term.definition }}</p>
  {% endif %}
</article>{% endfor %}</div>"""
)
JINJA_CARDS = """{% from "glossary/partials/cards.html" import cards %}{{ cards(terms) }}"""


def median_ms(render):
    render()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    from django.template import engines

    terms = [
        Term(
            pk=n,
            slug=f"term-{n}",
            headword=f"Term {n}",
            expansion=f"Expansion of term {n}" if n % 2 else "",
            definition=f"The definition of term {n}, in a sentence or two.",
        )
        for n in range(CARDS)
    ]
    request = RequestFactory().get("/terms/")
    dtl = engines["django"].from_string(DTL_CARDS)
    dtl_ms = median_ms(lambda: dtl.render({"terms": terms}, request))
    jinja = engines["jinja2"].from_string(JINJA_CARDS)
    jinja_ms = median_ms(lambda: jinja.render({"terms": terms}, request))
    print(f"{CARDS} cards, Django templates: {dtl_ms:.2f} ms")
    print(f"{CARDS} cards, Jinja2:           {jinja_ms:.2f} ms")
    print(f"Django templates / Jinja2:    {dtl_ms / jinja_ms:.1f}")
    for term in terms:
        term.snippet = ""  # as the search sets it: a missing attribute costs DTL three failed look-ups
    with_snippet = median_ms(lambda: dtl.render({"terms": terms}, request))
    print(f"... with `snippet` set, Django templates: {with_snippet:.2f} ms")


if __name__ == "__main__":
    main()
