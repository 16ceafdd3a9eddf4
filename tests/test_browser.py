"""The built site in a real browser: Debian's chromium through playwright, the site on a static server.

What a reader does (home -> story -> its source -> home, the weekly recap, dark mode, a
phone) and what an attacker's feed does (titles that are markup, javascript: links);
search is in test_browser_search.py, the machinery in browser_helpers.py. Every test
ends with ``watch.assert_clean()``: no console error, no uncaught exception and no
Content-Security-Policy violation on any page it opened.

Screenshots go to test-artifacts/screenshots/ (or $AGGREGATOR_ARTIFACTS/screenshots/).
Without /usr/bin/chromium these tests skip, unless CI is set: then they fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_helpers import PHONE, contrast, follow, luminance, open_page, serve_site, shot
from browser_helpers import demo_site, needs_chromium  # noqa: F401  (fixtures)
from site_helpers import XSS_LINK, XSS_TITLE, site_files


@pytest.fixture(scope="module")
def hostile_site(hostile_pipeline, tmp_path_factory):
    yield from serve_site(hostile_pipeline, tmp_path_factory.mktemp("browser-hostile"))


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


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_colour_scheme_follows_the_reader(browser, demo_site, scheme):
    context, page, watch = open_page(browser, color_scheme=scheme)
    page.goto(demo_site.url("/"))
    background, text = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    if scheme == "dark":
        assert luminance(background) < 0.05, f"body background {background} is not dark"
        shot(page, "home-dark.png")
    else:
        assert luminance(background) > 0.8, f"body background {background} is not light"
    assert contrast(background, text) >= 7, (background, text)  # WCAG AAA for body text
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
