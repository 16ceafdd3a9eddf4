"""Search in the browser: Pagefind's UI over the site's merged bundles (built here in
several shards, as 10,000 stories are), by typing, by ``?q=``, and readable in dark mode.

Without /usr/bin/chromium these tests skip, unless CI is set: then they fail.
"""

from __future__ import annotations

import json
import re

from browser_helpers import Served, contrast, open_page, shot
from browser_helpers import demo_site, needs_chromium  # noqa: F401  (fixtures)


def _distinctive_title_word(served: Served) -> tuple[str, str]:
    """(slug, word): a word of 6+ letters from a story's title that the fewest story pages contain."""
    texts = {}
    for page in (served.folder / "stories").glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        main = html[html.find("<main"):html.find("</main>")]
        texts[page.parent.name] = re.sub(r"<[^>]+>", " ", main).lower()
    best = None
    for story in served.store.query("select slug, title from stories order by id"):
        for word in sorted(set(re.findall(r"[A-Za-z]{6,}", story["title"]))):
            pattern = re.compile(rf"\b{re.escape(word.lower())}\b")
            count = sum(1 for text in texts.values() if pattern.search(text))
            if best is None or count < best[0]:
                best = (count, story["slug"], word)
    assert best, "no story title has a word of 6+ letters"
    return best[1], best[2]


def _search_page_built(served: Served) -> None:
    assert (served.folder / "search" / "index.html").exists(), "the build wrote no search page"


def _result_hrefs(page) -> list[str]:
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
    return page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.href)")


def test_search_finds_a_story_by_a_word_of_its_title(browser, demo_site):
    _search_page_built(demo_site)
    assert len(json.loads((demo_site.folder / "search-bundles.json").read_text())) >= 3  # shards, merged
    slug, word = _distinctive_title_word(demo_site)
    context, page, watch = open_page(browser)
    page.goto(demo_site.url("/search/"))
    page.locator(".pagefind-ui__search-input").fill(word)
    hrefs = _result_hrefs(page)
    assert any(h.rstrip("/").endswith(f"/stories/{slug}") for h in hrefs), (word, slug, hrefs)
    shot(page, "search.png")
    watch.assert_clean()
    context.close()


def test_search_query_in_the_address_prefills_the_search(browser, demo_site):
    from playwright.sync_api import expect

    _search_page_built(demo_site)
    slug, word = _distinctive_title_word(demo_site)
    context, page, watch = open_page(browser)
    page.goto(demo_site.url(f"/search/?q={word}"))
    expect(page.locator(".pagefind-ui__search-input")).to_have_value(word)
    hrefs = _result_hrefs(page)
    assert any(h.rstrip("/").endswith(f"/stories/{slug}") for h in hrefs), (word, slug, hrefs)
    watch.assert_clean()
    context.close()


EFFECTIVE_COLOURS = """(selector) => [...document.querySelectorAll(selector)].map((element) => {
  let back = element, background = 'rgba(0, 0, 0, 0)';
  while (back && /rgba\\(.*, 0\\)$|transparent/.test(background = getComputedStyle(back).backgroundColor)) {
    back = back.parentElement;
  }
  return [getComputedStyle(element).color, back ? background : 'rgb(255, 255, 255)'];
})"""


def test_search_results_are_readable_in_dark_mode(browser, demo_site):
    _search_page_built(demo_site)
    slug, word = _distinctive_title_word(demo_site)
    context, page, watch = open_page(browser, color_scheme="dark")
    page.goto(demo_site.url(f"/search/?q={word}"))
    _result_hrefs(page)
    shot(page, "search-dark.png")
    for selector in (".pagefind-ui__search-input", ".pagefind-ui__result-link", ".pagefind-ui__result-excerpt",
                     ".pagefind-ui__message"):
        for text, background in page.evaluate(EFFECTIVE_COLOURS, selector):
            assert contrast(text, background) >= 4.5, f"{selector}: {text} on {background} in dark mode"
    watch.assert_clean()
    context.close()
