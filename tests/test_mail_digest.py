"""The weekly digest email: its content, its two parts, its headers, and header injection.

Built from a private copy of the sample web's database (``site_from``); the HTML part
is also rendered in chromium, with a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import replace
from datetime import datetime

import pytest

from aggregator.clock import UTC
from aggregator.errors import InvalidAddressError, MailError
from aggregator.export import export_stories
from aggregator.mail import Recipient, compose, digest_for_week, filter_for, normalize_address, previous_week
from aggregator.mail.headers import one_line
from aggregator.site.recap import week_stories

WEEK = "2026-W47"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SUBJECT_TAIL = ": the week of Monday 16 November 2026"
DOMAIN = "news.example.org"
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
           "MIME-Version", "Content-Type"}
INJECTIONS = [
    "Title\r\nBcc: victim@example.com",
    "Title\nBcc: victim@example.com",
    "Title %0d%0aBcc: victim@example.com",
    "=?utf-8?q?x=0D=0ABcc:_victim@example.com?=",
    "News =?utf-8?q?x=0D=0ABcc:_victim@example.com?= today",
    "=?utf-8?b?eA0KQmNjOiB2aWN0aW1AZXhhbXBsZS5jb20=?=",  # base64 of "x\r\nBcc: victim@example.com"
    "Café =?UTF-8?Q?x=0D=0ABcc:_victim@example.com?= déjà",
    "Title\u2028Bcc: victim@example.com",
    "Title\x85Bcc: victim@example.com",
]


def escape(text: str) -> str:
    """Text as the HTML part carries it (css-inline re-serializes: only & < > are escaped in text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reader(address: str = "reader@example.com", topics: tuple[str, ...] = ()) -> Recipient:
    return Recipient(address=address, topics=topics, unsubscribe_url=f"https://{DOMAIN}/unsubscribe?token=abc123",
                     preferences_url=f"https://{DOMAIN}/preferences?token=abc123")


def parse(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def header_block(message) -> bytes:
    return message.as_bytes().split(b"\r\n\r\n", 1)[0]


def parts(message) -> tuple[str, str]:
    parsed = parse(message)
    return tuple(parsed.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


@pytest.fixture(scope="module")
def demo(demo_pipeline, tmp_path_factory):
    """This module's own copy of the sample web's data; tests that edit the store use ``fresh``."""
    from site_helpers import site_from

    settings, store = site_from(demo_pipeline, tmp_path_factory.mktemp("mail"), base_url=f"https://{DOMAIN}/")
    yield settings, store
    store.close()


@pytest.fixture
def fresh(demo_pipeline, tmp_path):
    """A copy of the data for one test, which may edit it; ``fresh(**site)`` overrides [site] keys."""
    from site_helpers import site_from

    opened = []

    def make(**site):
        settings, store = site_from(demo_pipeline, tmp_path / f"copy{len(opened)}",
                                    **{"base_url": f"https://{DOMAIN}/", **site})
        opened.append(store)
        return settings, store

    yield make
    for store in opened:
        store.close()


def test_digest_lists_the_weeks_top_stories_with_links_to_card_and_publisher(demo):
    settings, store = demo
    digest = digest_for_week(settings, store, WEEK, NOW)
    expected = week_stories(WEEK, export_stories(settings, store, NOW)["stories"])
    assert len(expected) > 10 and digest.numbers.stories == len(expected)
    assert [s.id for s in digest.stories] == [s["id"] for s in expected[:10]]  # the recap's order, top 10
    assert digest.subject == "Test Recap" + SUBJECT_TAIL and digest.recap_url == f"https://{DOMAIN}/weekly/{WEEK}/"
    for story, source in zip(digest.stories, expected):
        assert story.title == source["title"] and story.url == f"https://{DOMAIN}/{source['path']}"
        assert (story.publisher_url, story.publisher) == (source["sources"][0]["url"], source["sources"][0]["publisher"])
        assert story.what_changed == tuple(c["text"] for c in source["card"]["what_changed"])
        assert story.topics == tuple(source["card"]["topics"])

    text, html = parts(compose(settings, digest, reader(), message_id_domain=DOMAIN, now=NOW))
    for story in digest.stories:
        assert f'href="{story.url}"' in html and f'href="{story.publisher_url}"' in html
        assert escape(story.title) in html and escape(story.what_changed[0]) in html
        assert story.url in text and story.publisher_url in text and story.title.split()[0] in text
    assert f'href="{digest.recap_url}"' in html and f"See the whole week: {digest.recap_url}" in text
    assert "The week of Monday 16 November 2026" in html and "Test Recap" in text
    assert f"{digest.numbers.articles_read}</span> articles read" in html


def test_the_recap_introduction_opens_the_digest(fresh):
    from aggregator.store.recaps import save_recap

    settings, store = fresh()
    top = digest_for_week(settings, store, WEEK, NOW).stories[0]
    save_recap(store, WEEK, input_hash="h", model="test", total=1, now=NOW,
               sentences=[{"text": "Northwind's API went dark for three hours.", "story_id": top.id}])
    digest = digest_for_week(settings, store, WEEK, NOW)
    assert [(s.text, s.url) for s in digest.intro] == [("Northwind's API went dark for three hours.", top.url)]
    assert digest_for_week(settings, store, "2026-W46", NOW).intro == ()  # no intro: none
    text, html = parts(compose(settings, digest, reader(), message_id_domain=DOMAIN, now=NOW))
    assert "THIS WEEK'S MAIN THREADS\nNorthwind's API went dark for three hours." in text
    assert f'<a href="{top.url}"' in html and "Northwind's API went dark" in html


def test_the_message_has_both_parts_and_every_header_once(demo):
    settings, store = demo
    message = compose(settings, digest_for_week(settings, store, WEEK, NOW), reader(), message_id_domain=DOMAIN,
                      now=NOW)
    parsed = parse(message)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert set(parsed.keys()) == HEADERS and all(len(parsed.get_all(name)) == 1 for name in HEADERS)
    assert parsed["From"].addresses[0].addr_spec == "recap@example.org"
    assert parsed["From"].addresses[0].display_name == "Weekly AI Recap"
    assert str(parsed["To"]) == "reader@example.com"
    assert parsed["Subject"] == "Test Recap" + SUBJECT_TAIL
    assert parsed["Date"].datetime == NOW
    assert re.fullmatch(r"<[^<>@\s]+@news\.example\.org>", parsed["Message-ID"].strip())
    assert parsed["List-Id"] == "Test Recap weekly digest <weekly-digest.news.example.org>"
    assert parsed["List-Unsubscribe"] == f"<https://{DOMAIN}/unsubscribe?token=abc123>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    assert f"Unsubscribe: https://{DOMAIN}/unsubscribe?token=abc123" in text
    assert f'href="https://{DOMAIN}/preferences?token=abc123"' in html and "reader@example.com" in html
    other = compose(settings, digest_for_week(settings, store, WEEK, NOW), reader(), message_id_domain=DOMAIN, now=NOW)
    assert other["Message-ID"] != message["Message-ID"]  # unique per message


def test_topics_narrow_the_digest_and_say_so_when_nothing_matches(demo):
    settings, store = demo
    digest = digest_for_week(settings, store, WEEK, NOW)
    assert filter_for(digest, reader()).stories == digest.stories  # no topics: everything

    security = filter_for(digest, reader(topics=(" SECURITY ", "Policy & Regulation")))
    wanted = [s for s in digest.ranked if {"security", "policy & regulation"} & {t.lower() for t in s.topics}]
    assert 0 < len(security.stories) < len(digest.stories) and list(security.stories) == wanted[:10]
    assert not security.fallback and security.topics == ("SECURITY", "Policy & Regulation")
    assert filter_for(security, reader(topics=("security", "policy & regulation"))).stories == security.stories

    text, html = parts(compose(settings, digest, reader(topics=("security",)), message_id_domain=DOMAIN, now=NOW))
    shown = {s.url for s in digest.ranked if "security" in s.topics}
    assert shown and all(url in html for url in shown)
    assert not any(f'href="{s.url}"' in html for s in digest.ranked if "security" not in s.topics)
    assert "in your topics" in html and "for security." in text

    nothing = filter_for(digest, reader(topics=("knitting",)))
    assert nothing.fallback and nothing.stories == digest.ranked[:3]
    text, html = parts(compose(settings, digest, reader(topics=("knitting",)), message_id_domain=DOMAIN, now=NOW))
    assert "Nothing this week matched your topics (knitting)" in html
    assert "Nothing this week matched your topics (knitting)" in text
    assert all(f'href="{s.url}"' in html for s in digest.ranked[:3])


@pytest.mark.parametrize("payload", INJECTIONS)
def test_titles_cannot_inject_headers(fresh, payload):
    settings, store = fresh(title=payload)
    with store.write():
        store.conn.execute("update stories set title = ?", (payload,))
    digest = digest_for_week(settings, store, WEEK, NOW)
    message = compose(settings, digest, reader(), message_id_domain=DOMAIN, now=NOW)
    assert not re.search(rb"(?im)^bcc:", header_block(message))
    parsed = parse(message)
    assert parsed.get_all("Bcc") is None and set(parsed.keys()) == HEADERS
    literal = one_line(payload)
    assert parsed["Subject"].strip() == literal + SUBJECT_TAIL  # encoded words come out as the text they were
    assert not re.search(r"[\r\n\x85\u2028]", parsed["Subject"] + parsed["List-Id"])
    assert parsed["List-Id"].endswith("<weekly-digest.news.example.org>") and literal in parsed["List-Id"]
    text, html = parts(message)
    assert escape(literal) in html and literal in text


def test_the_sender_from_config_cannot_inject_headers_either(fresh):
    from aggregator.config import settings_from_dict

    settings, store = fresh()
    base = settings.model_dump(by_alias=True, exclude={"base_dir"})
    digest = digest_for_week(settings, store, WEEK, NOW)

    def sender(value: str):
        return settings_from_dict({**base, "email": {"from": value}}, base_dir=settings.base_dir)

    parsed = parse(compose(sender('"Recap, \\"Weekly\\"\r\nBcc: v@example.com" <recap@example.org>'), digest, reader(),
                           message_id_domain=DOMAIN, now=NOW))
    assert parsed.get_all("Bcc") is None and parsed["From"].addresses[0].addr_spec == "recap@example.org"
    assert parsed["From"].addresses[0].display_name == 'Recap, "Weekly" Bcc: v@example.com'
    for hostile in ("Recap =?utf-8?q?x=0D=0ABcc:_v@example.com?= <recap@example.org>",
                    "Recap <recap@example.org>\r\nBcc: v@example.com", "Recap <recap@example.org>, v@example.com"):
        with pytest.raises(InvalidAddressError, match=r"\[email\] from"):
            compose(sender(hostile), digest, reader(), message_id_domain=DOMAIN, now=NOW)


@pytest.mark.parametrize("address", [
    "reader@example.com\r\nBcc: victim@example.com",
    "reader@example.com\nBcc: victim@example.com",
    "Reader <reader@example.com>",
    "reader@example.com, victim@example.com",
    "=?utf-8?q?a=0D=0ABcc:_victim@example.com?=@example.com",
    "not an address",
    "",
])
def test_an_address_we_cannot_send_to_is_refused_with_a_clear_error(demo, address):
    settings, store = demo
    digest = digest_for_week(settings, store, WEEK, NOW)
    with pytest.raises(InvalidAddressError) as caught:
        compose(settings, digest, reader(address), message_id_domain=DOMAIN, now=NOW)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert re.search(r"not (a valid )?(an )?email address|no email address", message), message


def test_addresses_are_normalized_and_international_domains_need_no_smtputf8(demo):
    settings, store = demo
    assert normalize_address("Reader@Example.COM") == "Reader@example.com"
    message = compose(settings, digest_for_week(settings, store, WEEK, NOW), reader("reader@bücher.example"),
                      message_id_domain=DOMAIN, now=NOW)
    assert str(parse(message)["To"]) == "reader@xn--bcher-kva.example" and message.policy.utf8 is False
    local = compose(settings, digest_for_week(settings, store, WEEK, NOW), reader("jörg@example.org"),
                    message_id_domain=DOMAIN, now=NOW)  # a non-ASCII local part: the message is SMTPUTF8
    assert local.policy.utf8 and "To: jörg@example.org\r\n".encode() in header_block(local)


@pytest.mark.parametrize("field, value", [
    ("unsubscribe_url", "javascript:alert(1)"),
    ("unsubscribe_url", f"https://{DOMAIN}/u?t=1\r\nBcc: victim@example.com"),
    ("unsubscribe_url", f"https://{DOMAIN}/u?t=a>, <https://evil.example/"),
    ("unsubscribe_url", f"http://{DOMAIN}/unsubscribe"),  # one-click unsubscribe is https only
    ("preferences_url", "javascript:alert(1)"),
])
def test_unusable_links_are_refused(demo, field, value):
    settings, store = demo
    digest = digest_for_week(settings, store, WEEK, NOW)
    with pytest.raises(MailError, match=field.split("_")[0]):
        compose(settings, digest, replace(reader(), **{field: value}), message_id_domain=DOMAIN, now=NOW)


@pytest.mark.parametrize("domain", ["news.example.org\r\nBcc: v@example.com", "news example.org", "", "a@b.org"])
def test_the_message_id_domain_is_checked(demo, domain):
    settings, store = demo
    with pytest.raises(MailError, match="domain name"):
        compose(settings, digest_for_week(settings, store, WEEK, NOW), reader(), message_id_domain=domain, now=NOW)


def test_weeks_are_checked_and_the_previous_week_is_the_last_complete_one(demo):
    settings, store = demo
    with pytest.raises(MailError, match="2026-W48"):
        digest_for_week(settings, store, "last week", NOW)
    assert previous_week(NOW, "Europe/Copenhagen") == "2026-W48"
    assert previous_week(datetime(2026, 11, 23, 7, 30, tzinfo=UTC), "Europe/Copenhagen") == WEEK  # Monday 08:30 local
    empty = digest_for_week(settings, store, "2026-W40", NOW)
    assert empty.stories == () and empty.numbers.stories == 0
    text, html = parts(compose(settings, empty, reader(), message_id_domain=DOMAIN, now=NOW))
    assert "No stories were collected this week." in html and "No stories were collected this week." in text


def test_css_is_inlined_and_nothing_is_loaded_from_elsewhere(demo):
    settings, store = demo
    _, html = parts(compose(settings, digest_for_week(settings, store, WEEK, NOW), reader(),
                            message_id_domain=DOMAIN, now=NOW))
    assert len(re.findall(r'<(?:body|div|p|h1|h2|a|ul|li)\b[^>]*\bstyle="[^"]+"', html)) > 50
    assert re.search(r'<h1 style="[^"]*font-size', html) and re.search(r'<body class="body" style="[^"]*background', html)
    assert "<link" not in html and "@import" not in html and "url(" not in html and "<script" not in html
    assert re.findall(r"\bsrc=", html) == []
    blocks = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(blocks) == 1 and blocks[0].strip().startswith("@media")  # only what cannot be inlined stays
    assert "prefers-color-scheme: dark" in blocks[0]


def test_markup_in_titles_and_cards_is_escaped_and_bad_links_dropped(fresh):
    from site_helpers import XSS_LINK, XSS_TITLE

    settings, store = fresh(title='<b onmouseover="x">Recap</b>')
    top = digest_for_week(settings, store, WEEK, NOW).stories[0]
    card = json.loads(store.scalar("select card_json from cards where story_id = ?", (top.id,)))
    card["what_changed"][0]["text"] = XSS_TITLE
    card["topics"] = ["<i>security</i>"]
    card["why_it_matters"] = '"><script>window.__xss=4</script>'
    with store.write():
        store.conn.execute("update stories set title = ? where id = ?", (XSS_TITLE, top.id))
        store.conn.execute("update cards set card_json = ? where story_id = ?", (json.dumps(card), top.id))
        store.conn.execute("update entries set url = ? where story_id = ?", (XSS_LINK, top.id))
    digest = digest_for_week(settings, store, WEEK, NOW)
    assert digest.stories[0].id == top.id and digest.stories[0].publisher_url is None
    text, html = parts(compose(settings, digest, reader(), message_id_domain=DOMAIN, now=NOW))
    assert "<script" not in html and "<img" not in html and "<i>" not in html and "<b " not in html
    assert "javascript:" not in html and "javascript:" not in text
    assert escape(XSS_TITLE) in html and "&lt;i&gt;security&lt;/i&gt;" in html
    assert XSS_TITLE in text  # the text part is plain text: shown as it is, never interpreted


def test_the_html_part_renders_well_in_chromium(fresh, browser):
    from site_helpers import screenshot_dir
    from aggregator.store.recaps import save_recap

    settings, store = fresh()
    first = digest_for_week(settings, store, WEEK, NOW).stories
    save_recap(store, WEEK, input_hash="h", model="test", total=2, now=NOW, sentences=[
        {"text": "Northwind's Meridian API went dark for three hours on Friday.", "story_id": first[0].id},
        {"text": "Halcyon released Kite 2, the strongest open-weights model yet by its own benchmarks.",
         "story_id": first[1].id}])
    digest = digest_for_week(settings, store, WEEK, NOW)
    _, html = parts(compose(settings, digest, reader(), message_id_domain=DOMAIN, now=NOW))
    folder = screenshot_dir()
    page = browser.new_page(viewport={"width": 800, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.set_content(html)
        title = page.get_by_role("link", name=digest.stories[0].title, exact=True)
        assert title.is_visible()
        assert page.locator("h1").inner_text() == "The week of Monday 16 November 2026"
        assert page.evaluate("document.querySelector('.sheet').getBoundingClientRect().width") <= 640
        page.screenshot(path=str(folder / "email-digest.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        background = page.evaluate("getComputedStyle(document.querySelector('.sheet')).backgroundColor")
        assert background == "rgb(27, 27, 27)"  # the dark rules survive inlining
        assert title.is_visible()
        page.screenshot(path=str(folder / "email-digest-dark.png"), full_page=True)
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows on a phone
        page.screenshot(path=str(folder / "email-digest-mobile.png"), full_page=True)
    finally:
        page.close()
    assert requests == []  # the email loads nothing
