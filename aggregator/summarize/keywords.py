"""Keyword rules: who should care about an article and what it is about. Pure but for
reading the rules file.

The offline card writer fills ``who_should_care`` and ``topics`` from keyword rules kept
as data in ``rules.toml`` next to this module (:func:`load_rules`): each rule is a named
list of keywords and the hits it needs; keywords match whole words, case-insensitively,
a space or hyphen matching any run of either and a plural -s/-es allowed, each keyword
counted at most a few times. :func:`ranked` names the rules that apply, most hits first.
The file also lists the words never taken for names (``[entities]``).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .card import AUDIENCES

RULES_PATH = Path(__file__).with_name("rules.toml")


@dataclass(frozen=True)
class KeywordRule:
    """A named list of keywords and the hits needed for the rule to apply."""

    name: str
    keywords: tuple[str, ...]
    min_hits: int = 1
    _pattern: re.Pattern = field(init=False, repr=False, compare=False)
    _group_keyword: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Longest first, so that at one position "prompt injection" wins over "injection".
        ordered = sorted(dict.fromkeys(self.keywords), key=lambda k: (-len(k), k.lower()))
        alternatives = "|".join(f"({_keyword_regex(k)})" for k in ordered)
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if ordered else re.compile(r"(?!)")
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_group_keyword", tuple(ordered))

    def hits(self, text: str, cap: int) -> int:
        """Whole-word, case-insensitive keyword occurrences, each keyword counted at most ``cap`` times."""
        counts: Counter[str] = Counter()
        for match in self._pattern.finditer(text):
            counts[self._group_keyword[match.lastindex - 1]] += 1
        return sum(min(n, cap) for n in counts.values())


@dataclass(frozen=True)
class KeywordRules:
    """The audience and topic rules, and the words never taken for names (see ``rules.toml``)."""

    audiences: tuple[KeywordRule, ...]
    topics: tuple[KeywordRule, ...]
    entity_ignore: frozenset[str] = frozenset()
    entity_generic: frozenset[str] = frozenset()
    max_hits_per_keyword: int = 3
    max_audiences: int = 3
    max_topics: int = 3


def _keyword_regex(keyword: str) -> str:
    """A keyword as a regex: spaces and hyphens match any run of either; a plural -s/-es is allowed."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", keyword.strip()) if p]
    body = r"[\s\-]+".join(parts)
    if keyword.strip()[-1:].isalpha():
        body += "(?:e?s)?"
    return body


def load_rules(path: Path | None = None) -> KeywordRules:
    """Read the keyword rules (``rules.toml`` next to this module by default; that one is cached)."""
    if path is None:
        return _default_rules()
    return _read_rules(Path(path))


@lru_cache(maxsize=1)
def _default_rules() -> KeywordRules:
    return _read_rules(RULES_PATH)


def _read_rules(path: Path) -> KeywordRules:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)

    def rules(section: str, allowed: tuple[str, ...] | None) -> tuple[KeywordRule, ...]:
        found = []
        for name, spec in raw.get(section, {}).items():
            if allowed is not None and name not in allowed:
                raise ValueError(f"{path}: [{section}] {name!r} is not one of {', '.join(allowed)}")
            keywords = spec.get("keywords", [])
            if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
                raise ValueError(f"{path}: [{section}.{name!r}] keywords must be a list of non-empty strings")
            min_hits = spec.get("min_hits", 1)
            if not isinstance(min_hits, int) or min_hits < 1:
                raise ValueError(f"{path}: [{section}.{name!r}] min_hits must be a positive integer")
            found.append(KeywordRule(name=name, keywords=tuple(keywords), min_hits=min_hits))
        return tuple(found)

    audiences = rules("audiences", AUDIENCES)
    # Ties between audiences go to the order of AUDIENCES, whatever the file's order.
    audiences = tuple(sorted(audiences, key=lambda r: AUDIENCES.index(r.name)))
    return KeywordRules(
        audiences=audiences,
        topics=rules("topics", None),
        entity_ignore=frozenset(raw.get("entities", {}).get("ignore", [])),
        entity_generic=frozenset(raw.get("entities", {}).get("generic", [])),
        max_hits_per_keyword=int(raw.get("max_hits_per_keyword", 3)),
        max_audiences=int(raw.get("max_audiences", 3)),
        max_topics=int(raw.get("max_topics", 3)),
    )


def ranked(rules: tuple[KeywordRule, ...], text: str, cap: int, limit: int) -> list[str]:
    """Names of the rules that apply, most hits first (ties: rule order), at most ``limit``."""
    scored = [(rule.hits(text, cap), i, rule) for i, rule in enumerate(rules)]
    applying = [(hits, i, rule) for hits, i, rule in scored if hits >= rule.min_hits]
    applying.sort(key=lambda t: (-t[0], t[1]))
    return [rule.name for _, _, rule in applying[:limit]]
