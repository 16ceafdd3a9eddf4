"""Terminal output helpers shared by the CLI and the demo.

Feed titles, URLs and errors are untrusted text: in a rich table they must never be
read as markup (``[link=file:///…]`` would become a terminal hyperlink, an unbalanced
``[/b]`` would crash the command), and control characters must not reach the terminal.
"""

from __future__ import annotations

from rich.text import Text

_CONTROL = dict.fromkeys(list(range(0, 32)) + [127], " ")


def cell(value) -> Text:
    """Untrusted text for a table cell: literal, control characters blanked."""
    return Text("" if value is None else str(value).translate(_CONTROL))
