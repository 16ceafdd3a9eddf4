"""Building the card prompt from the versioned template files. Pure.

The prompt version is the template family's name plus a hash of the files' text, so
editing a prompt without bumping its name still invalidates cached cards: a card is
keyed by (source text hash, prompt version, model).

The article is untrusted data. It is placed between markers that carry a nonce
derived from the text, and any marker-like sequence inside the article is defused,
so an article cannot close the data block and speak as the instructions. Long
articles are trimmed to a token budget, keeping the lead (news writing puts the
facts first).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..templating import render, source
from .card import AUDIENCES

FAMILY = "card.v1"
FILES = (f"prompts/{FAMILY}.system.j2", f"prompts/{FAMILY}.user.j2", f"prompts/{FAMILY}.repair.j2")
CHARS_PER_TOKEN = 4  # a conservative rule of thumb for English; used for budgets, not billing


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    messages: list[dict]
    trimmed: bool
    #: the template version plus the input budget: both change what the model reads
    estimated_input_tokens: int


@lru_cache(maxsize=None)
def template_version(family: str, files: tuple[str, ...]) -> str:
    """``family-<hash of the files>``: editing a template without renaming it still changes the version."""
    digest = hashlib.sha256("\0".join(source(f) for f in files).encode()).hexdigest()[:8]
    return f"{family}-{digest}"


def prompt_version() -> str:
    return template_version(FAMILY, FILES)


def versioned(max_input_tokens: int) -> str:
    """The version a card records: templates and input budget both change what the model reads."""
    return f"{prompt_version()}-t{max_input_tokens}"


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def trim_to_tokens(text: str, max_tokens: int) -> tuple[str, bool]:
    """Whole paragraphs from the start while they fit; the first one cut at a sentence if need be."""
    budget = max_tokens * CHARS_PER_TOKEN
    if len(text) <= budget:
        return text, False
    kept: list[str] = []
    used = 0
    for paragraph in text.split("\n\n"):
        if used + len(paragraph) + 2 > budget:
            if not kept:
                cut = paragraph[:budget]
                end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
                kept.append(cut[: end + 1] if end > budget // 2 else cut)
            break
        kept.append(paragraph)
        used += len(paragraph) + 2
    return "\n\n".join(kept), True


_MARKERISH = re.compile(r"<<<|>>>")


def _defuse(text: str) -> str:
    """No marker-like sequence inside the data block: nothing in it can fake the block's end."""
    return _MARKERISH.sub("<< <", text)


def defuse_line(text: str) -> str:
    """Metadata stays on its one line."""
    return _defuse(" ".join(text.split()))


def card_prompt(*, title: str, publisher: str, published: str, text: str, max_input_tokens: int) -> Prompt:
    article, trimmed = trim_to_tokens(text, max_input_tokens)
    article = _defuse(article)
    nonce = hashlib.sha256(text.encode()).hexdigest()[:10]
    begin, end = f"<<<ARTICLE {nonce}>>>", f"<<<END ARTICLE {nonce}>>>"
    system = render(FILES[0], begin=begin, end=end, audiences=AUDIENCES)
    user = render(FILES[1], begin=begin, end=end, article=article, trimmed=trimmed,
                  title=defuse_line(title), publisher=defuse_line(publisher),
                  published=defuse_line(published))
    return Prompt(
        name="card",
        version=versioned(max_input_tokens),
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        trimmed=trimmed,
        estimated_input_tokens=estimate_tokens(system) + estimate_tokens(user),
    )


def repair_messages(prompt: Prompt, answer: str, problem: str) -> list[dict]:
    """The conversation for the one repair attempt after an unusable answer."""
    return [*prompt.messages, {"role": "assistant", "content": answer[:20_000]},
            {"role": "user", "content": render(FILES[2], problem=problem[:2000])}]
