"""Article pages -> main text and metadata: the only module that imports trafilatura.

:func:`extract_page` runs inside a worker process (see extract.pool): it takes the
page *bytes* and headers, decodes them itself (decode.py; trafilatura would also
inflate compressed bytes with no size cap), and returns plain, picklable data.

Why trafilatura: it is the best-scoring open extractor on public benchmarks and
keeps paragraph structure; our own cascade adds what a news reader needs around it:
the ``<html lang>`` as a language fallback, and paywall signals (schema.org
``isAccessibleForFree: false``) that the decider in extract.choose weighs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura

from ..decode import decode_html

_LANG = re.compile(r"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)
_NOT_FREE = re.compile(r"[\"']?isAccessibleForFree[\"']?\s*[:=]\s*[\"']?(?:false|False|FALSE)\b")


@dataclass
class Extracted:
    text: str  # paragraphs separated by a blank line
    title: str | None
    author: str | None
    published: str | None  # YYYY-MM-DD as found on the page
    sitename: str | None
    image_url: str | None
    language: str | None
    encoding: str
    paywalled: bool  # the page says it is not freely accessible


def extract_page(body: bytes, content_type: str | None, url: str) -> Extracted:
    html, encoding = decode_html(body, content_type)
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    text = ""
    meta: dict = {}
    if document is not None:
        meta = document.as_dict() if hasattr(document, "as_dict") else dict(document)
        text = _without_headline(_paragraphs(meta.get("text") or ""), meta.get("title"))
    head = html[:200_000]
    language = meta.get("language") or _first(_LANG.findall(head[:5000]))
    return Extracted(
        text=text,
        title=_clean(meta.get("title")),
        author=_clean(meta.get("author")),
        published=_clean(meta.get("date")),
        sitename=_clean(meta.get("sitename")),
        image_url=_web(meta.get("image")),
        language=language.lower() if language else None,
        encoding=encoding,
        paywalled=bool(_NOT_FREE.search(head)),
    )


def _paragraphs(text: str) -> str:
    """One paragraph per line in trafilatura's output -> paragraphs split by blank lines."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    return "\n\n".join(line for line in lines if line)


def _without_headline(text: str, title: str | None) -> str:
    """The headline is stored as the title; as the first paragraph it would be said twice."""
    first, _, rest = text.partition("\n\n")
    if title and _fold(first) == _fold(title):
        return rest
    return text


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _web(value) -> str | None:
    value = _clean(value)
    return value if value and value.lower().startswith(("http://", "https://")) else None


def _first(items: list[str]) -> str | None:
    return items[0] if items else None
