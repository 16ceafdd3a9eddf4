"""Templates from files: the only module that imports jinja2.

Prompts (and later the site and the emails) are files under aggregator/templates/,
versioned and reviewed like code, never strings buried in Python. Autoescaping is on
for .html/.xml templates and off for prompts, whose output is plain text sent to an
LLM.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=None)
def environment(root: Path = TEMPLATES) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug, not an empty string
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def source(name: str) -> str:
    """The raw text of a template (to hash it into a prompt version)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
