"""The built site in a real browser: Debian's chromium through playwright, the site on a static server.

What a reader does (home -> story -> its source -> home, the weekly recap, dark mode, a
phone), what an attacker's feed does (titles that are markup, javascript: links), and
search. Every test ends with ``watch.assert_clean()``: no console error, no uncaught
exception and no Content-Security-Policy violation on any page it opened.

Screenshots go to test-artifacts/screenshots/ (or $AGGREGATOR_ARTIFACTS/screenshots/).
Without /usr/bin/chromium these tests skip, unless CI is set: then they fail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aggregator.clock import system_clock
from aggregator.config import Settings
from aggregator.site.render import build_site
from aggregator.store import Store
from site_helpers import XSS_LINK, XSS_TITLE, StaticSite, chromium_executable, screenshot_dir, site_files, site_from

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


# Recorded on every page before its own scripts run (init scripts are not subject to the CSP).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const v = {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
             source: e.sourceFile, line: e.lineNumber, page: location.href};
  window.__csp.push(v);
  if (window.__reportCsp) window.__reportCsp(v);
});
"""


@pytest.fixture(scope="session", autouse=True)  # session: set up before the session's demo pipeline
def _needs_chromium():
    chromium_executable()  # skip (fail under CI) before any site is built for nothing


@dataclass
class Served:
    server: StaticSite
    settings: Settings
    store: Store

    @property
    def folder(self) -> Path:
        return self.settings.output_dir

    def url(self, path: str = "/") -> str:
        return self.server.url(path)


def _serve(pipeline, root: Path):
    from aggregator.site import search

    with StaticSite(root / "public") as server:  # the origin is known before the build: base_url is the origin
        settings, store = site_from(pipeline, root, base_url=server.base_url)
        try:
            with pytest.MonkeyPatch.context() as patch:  # search over several base bundles, as 10,000 stories get
                patch.setattr(search, "SHARD_PAGES", 8)
                build_site(settings, store, system_clock())
            yield Served(server, settings, store)
        finally:
            store.close()


@pytest.fixture(scope="module")
def demo_site(demo_pipeline, tmp_path_factory):
    yield from _serve(demo_pipeline, tmp_path_factory.mktemp("browser-demo"))


@pytest.fixture(scope="module")
def hostile_site(hostile_pipeline, tmp_path_factory):
    yield from _serve(hostile_pipeline, tmp_path_factory.mktemp("browser-hostile"))


@dataclass
class Watch:
    """Console errors, uncaught exceptions and CSP violations of every page a test opens."""

    page: object
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.expose_function("__reportCsp", self._csp)  # survives navigations, unlike window.__csp
        self.page.add_init_script(CSP_LISTENER)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception on {self.page.url}: {exc}"))

    def _csp(self, violation: dict) -> None:
        entry = f"CSP violation: {json.dumps(violation, sort_keys=True)}"
        if entry not in self.problems:
            self.problems.append(entry)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "") if isinstance(message.location, dict) else ""
        self.problems.append(f"console error on {self.page.url}: {message.text} [{source}]")

    def check_page(self) -> None:
        """The page on screen: its window.__csp (the listener must be there) goes into the problems."""
        violations = self.page.evaluate("window.__csp")
        assert isinstance(violations, list), f"the CSP listener is missing on {self.page.url}"
        for violation in violations:
            self._csp(violation)

    def assert_clean(self) -> None:
        self.check_page()
        assert not self.problems, "\n".join(self.problems)


def open_page(browser, **options):
    context = browser.new_context(**{**DESKTOP, **options})
    context.set_default_timeout(10_000)
    page = context.new_page()
    return context, page, Watch(page)


def shot(page, name: str) -> Path:
    path = screenshot_dir() / name
    page.screenshot(path=str(path), full_page=True)
    return path


def follow(page, locator) -> None:
    """Click a link and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def test_reader_goes_home_story_source_and_back(browser, demo_site):
    from playwright.sync_api import expect

    context, page, watch = open_page(browser)
    page.goto(demo_site.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest stories")
    shot(page, "home.png")

    first = page.locator("main .stories > li > a").first
    title = first.inner_text()
    follow(page, first)
    expect(page).to_have_url(re.compile(r"/stories/[a-z0-9-]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="30-second TL;DR")).to_be_visible()
    expect(page.locator("main .label")).to_contain_text("claims verified")
    shot(page, "story.png")
    watch.check_page()

    # The lead publisher's own page on this site: linked from the story if the story links it,
    # else found on "Topics & sources" by the publisher's name.
    internal = page.locator("main a[href*='sources/']")
    if internal.count():
        follow(page, internal.first)
    else:
        publisher = page.locator("main .attribution a").first.inner_text()
        follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Topics & sources"))
        follow(page, page.locator("main a[href*='sources/']", has_text=re.compile(f"^{re.escape(publisher)}$")))
    expect(page).to_have_url(re.compile(r"/sources/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Source: "))
    expect(page.locator(f"main a[href$='stories/{slug}/']")).to_have_count(1)  # it lists the story we came from
    watch.check_page()

    follow(page, page.locator("header .brand"))
    assert page.url == demo_site.url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest stories")
    watch.assert_clean()
    context.close()


def test_pages_fit_a_phone_screen(browser, demo_site):
    context, page, watch = open_page(browser, **PHONE)
    page.goto(demo_site.url("/"))
    shot(page, "phone-home.png")
    story = page.locator("main .stories > li > a").first.get_attribute("href")
    week = page.get_by_role("navigation", name="Main").get_by_role("link", name="This week").get_attribute("href")
    overflowing = {}
    for path in ("/", story.lstrip("."), week.lstrip("."), "/topics/", "/sources/1/", "/about/"):
        page.goto(demo_site.url(path))
        if path == week.lstrip("."):  # "This week" moves on to the current week's recap
            page.wait_for_url(re.compile(r"/weekly/\d{4}-W\d\d/$"))
        if path == story.lstrip("."):
            shot(page, "phone-story.png")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            overflowing[path] = wide
        watch.check_page()
    assert not overflowing, f"pages wider than a 390 px phone (excess px): {overflowing}"
    watch.assert_clean()
    context.close()


def test_weekly_recap_counts_the_week_and_links_its_stories(browser, demo_site):
    from playwright.sync_api import expect

    context, page, watch = open_page(browser)
    page.goto(demo_site.url("/"))
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="This week"))
    expect(page).to_have_url(re.compile(r"/weekly/\d{4}-W\d\d/$"))
    expect(page.get_by_role("heading", name="The week in numbers")).to_be_visible()
    links = page.locator("main a[href*='stories/']")
    assert links.count() >= 3
    shot(page, "weekly.png")
    watch.check_page()
    title = links.first.inner_text()
    follow(page, links.first)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="30-second TL;DR")).to_be_visible()
    watch.assert_clean()
    context.close()


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_colour_scheme_follows_the_reader(browser, demo_site, scheme):
    context, page, watch = open_page(browser, color_scheme=scheme)
    page.goto(demo_site.url("/"))
    background, text = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    if scheme == "dark":
        assert _luminance(background) < 0.05, f"body background {background} is not dark"
        shot(page, "home-dark.png")
    else:
        assert _luminance(background) > 0.8, f"body background {background} is not light"
    assert _contrast(background, text) >= 7, (background, text)  # WCAG AAA for body text
    watch.assert_clean()
    context.close()


def test_the_watch_sees_csp_violations_and_uncaught_errors(browser, demo_site):
    """The other tests pass when the watch reports nothing: make sure it would report something."""
    context, page, watch = open_page(browser)
    page.goto(demo_site.url("/"))
    page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = 'http://192.0.2.1/pixel.png';  // img-src 'self': refused before any request
        document.body.append(img);
        setTimeout(() => { throw new Error('boom from the test'); });
    }""")
    page.wait_for_timeout(300)
    with pytest.raises(AssertionError) as failed:
        watch.assert_clean()
    report = str(failed.value)
    assert "CSP violation" in report and "img-src" in report and "boom from the test" in report
    context.close()


def _html_pages(folder: Path) -> list[str]:
    paths = []
    for page in site_files(folder):
        rel = page.relative_to(folder).as_posix()
        paths.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return paths


INJECTED = """() => ({
  xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
  injected: [...document.querySelectorAll('script:not([src]), [onerror], img[src="x"], iframe, object, embed')]
              .map(e => e.outerHTML.slice(0, 120)),
  scriptLinks: [...document.querySelectorAll('a[href], area[href]')]
              .filter(a => a.protocol === 'javascript:' || /^\\s*javascript:/i.test(a.getAttribute('href')))
              .map(a => a.getAttribute('href')),
  text: document.body.innerText,
  title: document.title,
})"""


def test_hostile_feed_stays_text_in_the_browser(browser, hostile_site):
    from playwright.sync_api import expect

    context, page, watch = open_page(browser)
    pages = _html_pages(hostile_site.folder)
    assert "/" in pages and any(p.startswith("/stories/") for p in pages)
    assert any(p.startswith("/sources/") for p in pages)
    shown_on = set()
    for path in pages:
        page.goto(hostile_site.url(path))
        if path == "/weekly/":  # "This week" moves on to the current week's recap
            page.wait_for_url(re.compile(r"/weekly/\d{4}-W\d\d/$"))
        found = page.evaluate(INJECTED)
        assert found["xss"] is None, f"window.__xss = {found['xss']} on {path}"
        assert not found["injected"], (path, found["injected"])
        assert not found["scriptLinks"], (path, found["scriptLinks"])
        if XSS_TITLE in found["text"]:
            shown_on.add(path)
        watch.check_page()
    story = next(p for p in pages if p.startswith("/stories/"))
    assert {"/", story, "/sources/1/"} <= shown_on, f"the title is shown as text only on {sorted(shown_on)}"

    page.goto(hostile_site.url(story))
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS_TITLE)
    assert page.title().startswith(XSS_TITLE)
    assert XSS_LINK not in page.content()
    for link in page.locator("a[href^='javascript' i]").all():  # there are none; if one appears, it must be inert
        link.click()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__xss") == "undefined"
    shot(page, "hostile-story.png")
    page.goto(hostile_site.url("/sources/1/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Source: {XSS_TITLE}")
    watch.assert_clean()
    context.close()


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
            assert _contrast(text, background) >= 4.5, f"{selector}: {text} on {background} in dark mode"
    watch.assert_clean()
    context.close()
