// Completes the site search box as one types, from /search/suggest/.
// Progressive enhancement: without this script the form still submits to the search page.
(() => {
  "use strict";

  const DELAY_MS = 150;

  for (const input of document.querySelectorAll("input[data-suggest-url]")) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) continue;
    let timer = 0;
    let controller = null;

    const fill = (suggestions) => {
      list.replaceChildren(
        ...suggestions.map(({ headword, expansion }) => {
          const option = document.createElement("option");
          option.value = headword;
          if (expansion) option.label = `${headword} — ${expansion}`;
          return option;
        }),
      );
    };

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) {
        controller?.abort(); // an answer still on its way would bring old names back
        fill([]);
        return;
      }
      timer = setTimeout(async () => {
        controller?.abort();
        controller = new AbortController();
        const url = new URL(input.dataset.suggestUrl, window.location.href);
        url.searchParams.set("q", q);
        try {
          const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
          fill(response.ok ? (await response.json()).suggestions : []);
        } catch (error) {
          if (error.name !== "AbortError") fill([]);
        }
      }, DELAY_MS);
    });
  }
})();
