"""Article pages for the synthetic news web (``newsweb.py --articles``).

Why: the extraction benchmark must feed trafilatura what real news sites serve,
not a tidy ``<p>`` list: a page of 30-60 KB of HTML of which only 4-8 KB is the
story. Each page has a ``<head>`` with Open Graph tags, JSON-LD and inline CSS;
a header with a mega-menu of section links and inline SVG icons; a breadcrumb;
an ``<article>`` with ``<h1>``, byline and ``<time>``, a lead figure, 6-12
paragraphs of varied prose (one ``<h2>``, a pull quote, inline links, an
in-article "read more" box and a newsletter promo, the boilerplate extractors
must drop); an ``<aside>`` of related and most-read links; a footer of link
columns, a cookie banner, and a JSON state blob as modern front-ends ship it.

Everything is drawn from ``random.Random(f"{seed}/{feed}/{serial}/page")``, so a
page depends only on the seed and the item: identical runs serve identical bytes.
"""

from __future__ import annotations

import json
import random
import time
from html import escape

# --------------------------------------------------------------------------- vocabulary

ORGS = ["OpenAI", "Anthropic", "Google DeepMind", "Meta AI", "Mistral", "Cohere", "Hugging Face", "NVIDIA",
        "Microsoft Research", "Stability AI", "AI2", "Apple", "Amazon", "IBM Research", "Baidu", "Alibaba Cloud",
        "DeepSeek", "EleutherAI", "Databricks", "the European Commission", "Stanford's HAI", "MIT CSAIL",
        "a Berkeley lab", "the UK AI Security Institute", "a Toronto startup", "Samsung Research"]
PEOPLE = ["Ada Park", "Ben Osei", "Chen Wei", "Dana Ruiz", "Eli Novak", "Fatima Khan", "Goran Ilic", "Hana Sato",
          "Ivan Petrov", "Jo Martins", "Kwame Mensah", "Lea Fischer", "Marta Kowalska", "Nils Berg",
          "Omar Haddad", "Priya Raman", "Quentin Leroy", "Rosa Alvarez", "Sven Lund", "Tomoko Ito"]
ROLES = ["chief scientist", "head of research", "a product manager", "an analyst", "a professor of computer science",
         "the chief executive", "a policy researcher", "an engineer on the project", "a venture investor",
         "director of the lab", "a former employee", "an independent researcher"]
THINGS = ["language model", "reasoning model", "coding assistant", "speech model", "vision-language model",
          "agent framework", "inference chip", "safety benchmark", "evaluation suite", "training dataset",
          "robotics policy", "embedding model", "image generator", "retrieval toolkit", "compiler stack",
          "data pipeline", "fine-tuning service", "open-weight release", "guardrail system", "tokenizer"]
TOPICS = ["training costs", "data provenance", "energy use", "GPU supply", "open weights", "evaluation methodology",
          "latency", "licensing terms", "safety testing", "multilingual performance", "copyright claims",
          "hallucination rates", "memory bandwidth", "context length", "inference pricing", "export controls",
          "benchmark contamination", "red-teaming", "on-device deployment", "synthetic data"]
ADJECTIVES = ["modest", "substantial", "surprising", "long-awaited", "incremental", "contested", "measurable",
              "uneven", "notable", "early", "cautious", "aggressive", "careful", "ambitious", "limited"]
BENCHES = ["MMLU", "GSM8K", "HumanEval", "SWE-bench", "ARC", "MATH", "GPQA", "HellaSwag", "BIG-bench", "MT-Bench"]
OPENERS = ["", "", "", "However, ", "Meanwhile, ", "In a blog post, ", "Still, ", "By contrast, ", "For now, ",
           "In practice, ", "According to people familiar with the plans, ", "Last year, ", "On Tuesday, ",
           "In an interview, ", "Separately, ", "Notably, ", "At the same time, "]
SUBJECTS = ["the company", "the team", "researchers at {org}", "{person}, {role} at {org},", "analysts",
            "the new {thing}", "early testers", "competitors", "regulators", "developers", "the startup",
            "its engineers", "customers", "critics", "the authors of the paper", "{org}"]
PREDICATES = [
    "said the {thing} {claim}",
    "expects adoption to grow by {pct} percent by {year}",
    "declined to comment on {topic}",
    "has spent {n} months working on {topic}",
    "reported {adj} gains on {bench} compared with last year's model",
    "warned that {topic} remains the main obstacle to wider use",
    "published a {n}-page technical report describing the {thing}",
    "plans to make the {thing} available to paying customers in {month}",
    "argued that {topic} matters more than raw benchmark scores",
    "raised questions about {topic} and {topic2}",
    "ran the {thing} on {n} thousand GPUs for roughly {n2} weeks",
    "described the results as {adj} but worth watching",
    "cut the price of its API by {pct} percent",
    "open-sourced the evaluation code alongside the weights",
    "compared the {thing} with systems from {org}",
    "said {topic} had been underestimated for years",
    "could not reproduce the {bench} figures in independent tests",
    "is hiring {n}0 engineers to work on {topic}",
]
CLAIMS = ["beats the previous state of the art on {bench}", "halves inference cost on {bench}",
          "matches larger models on {bench}", "was trained on {n} trillion tokens",
          "runs on a single consumer GPU", "supports a {n}00,000-token context window",
          "ships under a permissive licence", "scores {pct} percent higher on {bench}"]
QUOTES = ["We expect developers to build on it within days.", "The gains come mostly from better data.",
          "Independent replication is still pending.", "Pricing will be announced later this quarter.",
          "Critics say the evaluation leaves out harder tasks.", "The weights are available today.",
          "Nobody should read too much into a single benchmark.", "This is an engineering story more than a science story.",
          "We were surprised by how much the data cleaning mattered.", "It is cheaper to serve than anything we had before.",
          "Regulators will want to see the safety testing in detail.", "The hard part is making it reliable."]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SECTIONS = ["World", "Business", "Technology", "AI", "Science", "Policy", "Markets", "Startups", "Research",
            "Hardware", "Security", "Opinion", "Podcasts", "Video", "Newsletters", "Events", "Climate", "Health"]
SUBSECTIONS = ["Latest", "Analysis", "Explainers", "Interviews", "Features", "Reviews", "Guides", "Data",
               "Europe", "Asia", "Americas", "Funding", "Deals", "Chips", "Cloud", "Robotics", "Open source"]
FOOTER_LINKS = ["About us", "Contact", "Careers", "Advertise", "Press", "Ethics policy", "Corrections",
                "Privacy policy", "Cookie settings", "Terms of use", "Accessibility", "Sitemap", "RSS feeds",
                "Newsletters", "Subscribe", "Gift a subscription", "Help centre", "Licensing", "Events",
                "Masthead", "Archive", "Apps", "Podcasts", "Do not sell my data"]

SVG_ICON = ('<svg class="icon icon-{name}" width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" '
            'focusable="false"><path d="M{a} {b}c{c} 0 {d}-{e} {d}-{f}s-{e}-{d}-{f}-{d}-{d} {e}-{d} {f} '
            '{e} {d} {f} {d}zm0-{g}c-{h} 0-{a}-{b} {c}-{d}"/></svg>')


def _fill(rng: random.Random, template: str) -> str:
    topic, topic2 = rng.sample(TOPICS, 2)
    values = {
        "org": rng.choice(ORGS), "person": rng.choice(PEOPLE), "role": rng.choice(ROLES),
        "thing": rng.choice(THINGS), "topic": topic, "topic2": topic2, "adj": rng.choice(ADJECTIVES),
        "bench": rng.choice(BENCHES), "pct": rng.randint(3, 60), "n": rng.randint(2, 18), "n2": rng.randint(2, 12),
        "year": rng.randint(2026, 2030), "month": rng.choice(MONTHS),
    }
    values["claim"] = rng.choice(CLAIMS).format(**values)
    return template.format(**values)


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return (f"\u201c{rng.choice(QUOTES)}\u201d said {rng.choice(PEOPLE)}, {rng.choice(ROLES)} "
                f"at {rng.choice(ORGS)}.")
    opener = rng.choice(OPENERS)
    subject = _fill(rng, rng.choice(SUBJECTS))
    text = opener + subject + " " + _fill(rng, rng.choice(PREDICATES))
    if rng.random() < 0.3:
        text += ", " + rng.choice(["although", "while", "because", "even as", "after"]) + " " + \
            _fill(rng, rng.choice(SUBJECTS)) + " " + _fill(rng, rng.choice(PREDICATES))
    text = text[0].upper() + text[1:]
    return text + "."


def _paragraph_html(rng: random.Random, host: str, target_chars: int) -> tuple[str, int]:
    """One <p> of about ``target_chars`` characters of text, with a few inline elements."""
    parts: list[str] = []
    length = 0
    while length < target_chars:
        sentence = _sentence(rng)
        length += len(sentence) + 1
        sentence = escape(sentence, quote=False)
        roll = rng.random()
        if roll < 0.12:
            words = sentence.split(" ")
            i = rng.randrange(max(len(words) - 3, 1))
            words[i:i + 3] = [f'<a href="{host}/topic/{rng.choice(TOPICS).replace(" ", "-")}">'
                              + " ".join(words[i:i + 3]) + "</a>"]
            sentence = " ".join(words)
        elif roll < 0.18:
            sentence = f"<em>{sentence}</em>"
        elif roll < 0.21:
            sentence = f"<strong>{sentence}</strong>"
        parts.append(sentence)
    return "<p>" + " ".join(parts) + "</p>\n", length


def _svg(rng: random.Random, name: str) -> str:
    return SVG_ICON.format(name=name, **{k: rng.randint(1, 23) for k in "abcdefgh"})


def _nav(rng: random.Random, host: str) -> str:
    items = []
    for section in rng.sample(SECTIONS, rng.randint(10, 16)):
        slug = section.lower()
        subs = "".join(f'<li class="menu__sub-item"><a class="menu__link menu__link--sub" '
                       f'href="{host}/{slug}/{s.lower().replace(" ", "-")}" data-track="nav-{slug}-{i}">{s}</a></li>'
                       for i, s in enumerate(rng.sample(SUBSECTIONS, rng.randint(1, 4))))
        items.append(f'<li class="menu__item menu__item--{slug}"><a class="menu__link" href="{host}/{slug}" '
                     f'data-track="nav-{slug}">{section}</a><ul class="menu__sub" hidden>{subs}</ul></li>')
    return ('<nav class="site-nav" aria-label="Sections"><button class="site-nav__toggle" aria-expanded="false">'
            + _svg(rng, "menu") + '<span class="visually-hidden">Menu</span></button><ul class="menu">'
            + "".join(items) + "</ul></nav>")


def _teaser(rng: random.Random, host: str, index: int) -> str:
    title = f"{rng.choice(ORGS)} and the question of {rng.choice(TOPICS)}"
    slug = "-".join(title.lower().replace("'", "").split())[:60]
    return (f'<li class="card card--small"><a class="card__link" href="{host}/{rng.randint(2024, 2026)}/'
            f'{rng.randint(1, 12):02d}/{slug}-{index}"><img class="card__image" loading="lazy" width="160" '
            f'height="90" src="{host}/img/{slug}-{index}-160x90.jpg" alt=""><span class="card__kicker">'
            f'{rng.choice(SECTIONS)}</span><span class="card__title">{escape(title)}</span></a>'
            f'<span class="card__meta">{rng.randint(2, 12)} min read</span></li>')


CSS = ("body{margin:0;font:16px/1.6 Georgia,serif;color:#1a1a1a;background:#fff}"
       ".site-header{display:flex;align-items:center;justify-content:space-between;padding:8px 24px;"
       "border-bottom:1px solid #e5e5e5}.menu{display:flex;gap:16px;list-style:none;margin:0;padding:0}"
       ".menu__link{color:#111;text-decoration:none;font:600 14px/1 Helvetica,Arial,sans-serif}"
       ".menu__sub{position:absolute;background:#fff;box-shadow:0 2px 8px rgba(0,0,0,.15)}"
       ".article{max-width:720px;margin:0 auto;padding:0 16px}.article__headline{font-size:40px;line-height:1.1}"
       ".byline{color:#555;font:14px/1.4 Helvetica,Arial,sans-serif}.pullquote{font-size:24px;border-left:4px "
       "solid #c00;padding-left:16px}.card{display:grid;grid-template-columns:160px 1fr;gap:8px}"
       ".cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:16px}"
       ".site-footer{background:#f4f4f4;padding:32px 24px;font:14px/1.5 Helvetica,Arial,sans-serif}"
       ".visually-hidden{position:absolute!important;clip:rect(1px,1px,1px,1px);overflow:hidden}"
       "@media (max-width:640px){.menu{display:none}.article__headline{font-size:28px}}")


def render_article(*, seed: int, feed: int, serial: int, host: str, url: str, title: str, author: str,
                   category: str, site: str, published: float) -> bytes:
    """The HTML page of one feed item (UTF-8 bytes, 30-60 KB, 4-8 KB of story text)."""
    rng = random.Random(f"{seed}/{feed}/{serial}/page")
    html_target = rng.randint(30_000, 60_000)
    text_target = rng.randint(4_000, 8_000)
    paragraphs = rng.randint(6, 12)
    iso_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published))
    human_date = time.strftime("%d %B %Y", time.gmtime(published)).lstrip("0")
    slug = url.rsplit("/", 1)[-1]
    image = f"{host}/img/{slug}-1200x675.jpg"
    dek = _sentence(rng)

    body: list[str] = []
    text_chars = 0
    for i in range(paragraphs):
        left = max(text_target - text_chars, 200)
        p, n = _paragraph_html(rng, host, max(left // (paragraphs - i), 150))
        text_chars += n
        body.append(p)
        if i == 1:
            body.append(f'<aside class="related-inline"><h3>Read more</h3><ul>{_teaser(rng, host, 900 + i)}'
                        f'{_teaser(rng, host, 910 + i)}</ul></aside>\n')
        if i == paragraphs // 2:
            body.append(f"<h2>{escape(_fill(rng, 'What {org} says about {topic}'))}</h2>\n")
            body.append(f'<blockquote class="pullquote"><p>\u201c{escape(rng.choice(QUOTES))}\u201d</p></blockquote>\n')
        if i == paragraphs - 3:
            body.append('<div class="newsletter-promo" data-module="promo"><p class="newsletter-promo__title">'
                        'Get the AI briefing in your inbox</p><form action="/newsletters/signup" method="post">'
                        '<label for="nl-email">Email address</label><input id="nl-email" type="email" '
                        'name="email" placeholder="you@example.com"><button type="submit">Sign up</button></form>'
                        '<p class="newsletter-promo__small">You can unsubscribe at any time. By signing up you '
                        'agree to our privacy policy.</p></div>\n')

    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "image": [image],
          "datePublished": iso_time, "dateModified": iso_time, "author": [{"@type": "Person", "name": author}],
          "publisher": {"@type": "Organization", "name": site, "logo": {"@type": "ImageObject",
                                                                         "url": f"{host}/logo.png"}},
          "isAccessibleForFree": True, "articleSection": category, "mainEntityOfPage": url}
    head = (f'<!DOCTYPE html>\n<html lang="en-GB" class="no-js">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)} | {escape(site)}</title>\n"
            f'<meta name="description" content="{escape(dek)}">\n'
            f'<meta name="author" content="{escape(author)}">\n'
            f'<link rel="canonical" href="{url}">\n'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{escape(title)}">'
            f'<meta property="og:description" content="{escape(dek)}"><meta property="og:url" content="{url}">'
            f'<meta property="og:image" content="{image}"><meta property="og:site_name" content="{escape(site)}">'
            f'<meta property="article:published_time" content="{iso_time}">'
            f'<meta property="article:section" content="{escape(category)}">'
            f'<meta name="twitter:card" content="summary_large_image">\n'
            f'<link rel="preload" href="{host}/static/fonts/serif.woff2" as="font" crossorigin>'
            f'<link rel="stylesheet" href="{host}/static/css/main.{rng.getrandbits(32):08x}.css">\n'
            f"<style>{CSS}</style>\n"
            f'<script type="application/ld+json">{json.dumps(ld)}</script>\n'
            '<script>(function(w,d){w.dataLayer=w.dataLayer||[];w.dataLayer.push({event:"pageview",'
            f'section:"{category}",author:"{author}"}});var s=d.createElement("script");s.async=true;'
            f's.src="{host}/static/js/analytics.js";d.head.appendChild(s)}})(window,document);</script>\n'
            "</head>\n")
    header = (f'<body class="page page--article section-{category.lower().replace(" ", "-")}">\n'
              '<a class="skip-link" href="#main">Skip to content</a>\n'
              f'<header class="site-header"><a class="site-header__logo" href="{host}/">{_svg(rng, "logo")}'
              f'<span>{escape(site)}</span></a>{_nav(rng, host)}<form class="search" action="{host}/search">'
              f'<input type="search" name="q" aria-label="Search"><button>{_svg(rng, "search")}</button></form>'
              f'<a class="button button--subscribe" href="{host}/subscribe">Subscribe</a>'
              f'<a class="button button--login" href="{host}/login">Sign in</a></header>\n'
              f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="{host}/">Home</a></li>'
              f'<li><a href="{host}/{category.lower().replace(" ", "-")}">{escape(category)}</a></li></ol></nav>\n')
    share = "".join(f'<li><a class="share__link share__link--{n}" href="{host}/share/{n}?u={slug}">'
                    f'{_svg(rng, n)}<span class="visually-hidden">Share on {n}</span></a></li>'
                    for n in ("facebook", "x", "linkedin", "email", "copy"))
    article = (f'<main id="main">\n<article class="article" itemscope itemtype="https://schema.org/NewsArticle">\n'
               f'<header class="article__header"><p class="article__kicker"><a href="{host}/'
               f'{category.lower().replace(" ", "-")}">{escape(category)}</a></p>\n'
               f'<h1 class="article__headline" itemprop="headline">{escape(title)}</h1>\n'
               f'<p class="article__dek">{escape(dek)}</p>\n'
               f'<p class="byline">By <a rel="author" href="{host}/authors/{author.lower().replace(" ", "-")}" '
               f'itemprop="author">{escape(author)}</a> \u00b7 <time datetime="{iso_time}" itemprop="datePublished">'
               f"{human_date}</time> \u00b7 {rng.randint(3, 12)} min read</p>\n"
               f'<ul class="share">{share}</ul></header>\n'
               f'<figure class="article__figure"><img src="{image}" srcset="{image} 1200w, '
               f'{image.replace("1200x675", "640x360")} 640w" sizes="(max-width: 640px) 100vw, 720px" '
               f'width="1200" height="675" alt="{escape(_fill(rng, "Illustration of a {thing}"))}">'
               f"<figcaption>{escape(_fill(rng, 'A {thing} on display at an event run by {org}.'))} "
               f"Photo: {escape(rng.choice(PEOPLE))} / Agency</figcaption></figure>\n"
               f'<div class="article__body" itemprop="articleBody">\n{"".join(body)}</div>\n'
               f'<footer class="article__footer"><ul class="tags">'
               + "".join(f'<li><a href="{host}/topic/{t.replace(" ", "-")}">{t}</a></li>'
                         for t in rng.sample(TOPICS, 4))
               + f'</ul><p class="article__corrections">Spotted an error? <a href="{host}/corrections">'
               "Tell us</a>.</p></footer>\n</article>\n")
    aside = ('<aside class="rail"><section class="rail__related"><h2>Related stories</h2><ul>'
             + "".join(_teaser(rng, host, i) for i in range(rng.randint(5, 10)))
             + '</ul></section><section class="rail__most-read"><h2>Most read</h2><ol>'
             + "".join(_teaser(rng, host, 100 + i) for i in range(5))
             + "</ol></section></aside>\n</main>\n")
    columns = []
    for c in range(4):
        links = "".join(f'<li><a href="{host}/{name.lower().replace(" ", "-")}">{name}</a></li>'
                        for name in rng.sample(FOOTER_LINKS, 8))
        columns.append(f'<div class="site-footer__col"><h3>{["Company", "Help", "Legal", "More"][c]}</h3>'
                       f"<ul>{links}</ul></div>")
    footer = (f'<footer class="site-footer"><div class="site-footer__cols">{"".join(columns)}</div>'
              f'<p class="site-footer__copy">\u00a9 {time.gmtime(published).tm_year} {escape(site)}. All rights '
              "reserved. Reproduction in whole or in part without permission is prohibited.</p></footer>\n"
              '<div class="cookie-banner" role="dialog" aria-label="Cookies"><p>We use cookies to improve your '
              "experience, to measure audiences and to show you relevant advertising. You can change your choice "
              'at any time in Cookie settings.</p><button class="cookie-banner__accept">Accept all</button>'
              '<button class="cookie-banner__reject">Reject all</button><a href="/cookies">Manage</a></div>\n')
    page = head + header + article + aside + footer
    # the remainder: the front-end's state blob, as Next.js-style sites inline it before </body>
    state: dict = {"props": {"pageProps": {"id": f"{feed}-{serial}", "section": category, "related": []}},
                   "page": "/[year]/[month]/[slug]", "buildId": f"{rng.getrandbits(64):016x}"}
    blob = json.dumps(state)
    tail = "</body>\n</html>\n"
    related = state["props"]["pageProps"]["related"]
    room = html_target - len(page.encode()) - len(tail) - 80
    size = len(blob)
    while size < room:
        entry = {"id": rng.getrandbits(40), "headline": _fill(rng, "{org} and {topic}"),
                 "summary": _sentence(rng), "url": f"{host}/{rng.getrandbits(24):06x}",
                 "tags": rng.sample(TOPICS, 3), "ts": int(published) - rng.randint(0, 10**6)}
        related.append(entry)
        size += len(json.dumps(entry)) + 2
    blob = json.dumps(state)
    page += f'<script id="__NEXT_DATA__" type="application/json">{blob}</script>\n' + tail
    return page.encode("utf-8")
