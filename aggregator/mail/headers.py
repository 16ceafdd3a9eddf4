"""Header values made from untrusted text, and the addresses we agree to send to.

Why this module exists: stripping CR and LF is not enough. Python's email package
(3.11.7 here, and every release before the fix for gh-121650) decodes RFC 2047
encoded words in a value we *set* and writes the decoded characters back out raw, so
a story or site title containing ``=?utf-8?q?x=0D=0ABcc:_v@example.com?=`` becomes a
real ``Bcc:`` header; the same holds for display names and even local parts. So:

- :func:`one_line` removes every control, line-separator and bidi-override character
  and collapses whitespace: for any header, and for one-line text in the body;
- :func:`text_header` / :func:`phrase_header` return plain values the email package
  may write itself when the text holds no ``=?``; otherwise an :class:`EncodedWords`
  header, whose wire form is RFC 2047 base64 words of the literal text, written here.
  A reader's client decodes it once and shows the ``=?...?=`` as the text it was.
  (:func:`address_header` refuses ``=?`` in the From name instead: see there);
- :func:`normalize_address` accepts one bare addr-spec that email-validator accepts,
  with no display name, line break or ``=?``, and raises InvalidAddressError otherwise;
- :func:`header_url` and :func:`check_domain` do the same for the URLs and the domain
  that go into List-Unsubscribe, List-Id and Message-ID.
"""

from __future__ import annotations

import re
from email import base64mime
from email.headerregistry import Address
from email.policy import Policy
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..errors import InvalidAddressError, MailError

# C0 and C1 controls, DEL, zero-width and bidi controls, line and paragraph separators
# (str.splitlines() breaks on several of these, and the email package refuses such values).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # RFC 5322 atoms and spaces: no quoting needed
_HOST = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986 characters only, no < > or space
_CHUNK_BYTES = 39  # 52 base64 characters: each encoded word stays well under 75 characters
MAX_HEADER_TEXT = 200
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def one_line(value: object, limit: int | None = None) -> str:
    """Text on one line: controls and line breaks become spaces, runs of whitespace one space."""
    text = " ".join(_CONTROL.sub(" ", value if isinstance(value, str) else "").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


class EncodedWords:
    """An unstructured header written as RFC 2047 encoded words only, plus a checked ASCII tail.

    ``EmailPolicy`` stores an object whose ``name`` matches the header as it is, and
    writes it by calling its ``fold`` (documented in ``email.policy``), so the email
    package never parses our text and cannot turn an encoded line break into a real
    one. The wire form holds base64 and the ``tail`` only (an ``<addr>`` or
    ``<list-id>`` checked by the caller), so it cannot contain a line break either.
    """

    def __init__(self, name: str, text: str, tail: str = "") -> None:
        if _CONTROL.search(tail) or not tail.isascii():
            raise MailError(f"{name}: {tail!r} cannot be written in a header")
        self.name = name
        self.text = one_line(text, MAX_HEADER_TEXT)
        self.tail = tail

    def fold(self, *, policy: Policy) -> str:
        words = [base64mime.header_encode(chunk, charset="utf-8") for chunk in _chunks(self.text)]
        parts = [(policy.linesep + " ").join(words)] if words else []
        if self.tail:
            parts.append(self.tail)
        return f"{self.name}: {' '.join(parts)}{policy.linesep}"

    def __str__(self) -> str:
        return f"{self.text} {self.tail}".strip()

    def __repr__(self) -> str:
        return f"EncodedWords({self.name!r}, {self.text!r}, {self.tail!r})"


def _chunks(text: str) -> list[str]:
    """Split at character boundaries, so that every encoded word decodes on its own."""
    chunks, current = [], ""
    for char in text:
        if len((current + char).encode("utf-8")) > _CHUNK_BYTES:
            chunks.append(current)
            current = ""
        current += char
    return chunks + [current] if current else chunks


def text_header(name: str, value: str) -> str | EncodedWords:
    """An unstructured header (Subject) from untrusted text."""
    text = one_line(value, MAX_HEADER_TEXT)
    return EncodedWords(name, text) if "=?" in text else text


def phrase_header(name: str, phrase: str, tail: str) -> str | EncodedWords:
    """``phrase <tail>`` (List-Id): plain when the phrase is bare atoms, else encoded words."""
    text = one_line(phrase, MAX_HEADER_TEXT)
    if text and _ATOM_PHRASE.fullmatch(text) and "=?" not in text:
        return f"{text} {tail}"
    return EncodedWords(name, text, tail)


def address_header(display_name: str, address: str) -> Address:
    """``Display Name <addr>`` (From): the email package quotes or encodes the name as needed.

    A name holding ``=?`` is refused, not encoded: in an address header Python's parser
    reads adjacent encoded words with a space between them, so the name would not come
    back as written, and the only source of this name is config.toml, whose author can
    write it as plain text.
    """
    text = one_line(display_name, MAX_HEADER_TEXT)
    if "=?" in text:
        raise InvalidAddressError(f"[email] from: the name {text!r} contains '=?' (an encoded word); "
                                  "write it as plain text")
    return Address(display_name=text, addr_spec=address)


def normalize_address(value: object) -> str:
    """The address to send to, or InvalidAddressError saying why not.

    One bare addr-spec (no display name); IDN domains come back in ASCII when the local
    part is ASCII, so such mail needs no SMTPUTF8.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidAddressError("no email address given")
    if _CONTROL.search(value):
        raise InvalidAddressError(f"{value!r} is not an email address: it contains a line break or control character")
    if "=?" in value:
        raise InvalidAddressError(f"{value!r} is not an email address we send to: it contains an encoded word ('=?')")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddressError(f"{value!r} is not a valid email address: {exc}") from None
    return result.ascii_email or result.normalized


def split_from(value: str) -> tuple[str, str]:
    """(display name, normalized address) of ``[email] from`` ("Name <addr>" or a bare addr)."""
    text = one_line(value)
    match = re.fullmatch(r"(?:(.*?)\s*<([^<>]*)>|([^<>\s]+))", text)
    if not match:
        raise InvalidAddressError(f"[email] from: {value!r} is not 'Name <address>' or an address")
    name, inside, bare = match.groups()
    display = (name or "").strip()
    if len(display) >= 2 and display[0] == display[-1] == '"':
        display = display[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    try:
        return display, normalize_address(inside if inside is not None else bare)
    except InvalidAddressError as exc:
        raise InvalidAddressError(f"[email] from: {exc}") from None


def header_url(value: object, what: str) -> str:
    """A URL fit for ``List-Unsubscribe: <url>``: https (http only on loopback), RFC 3986 characters."""
    url = value if isinstance(value, str) else ""
    if not _URL.fullmatch(url) or "=?" in url:
        raise MailError(f"{what}: {url!r} is not an http(s) URL that can go into a mail header")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" and (parts.hostname or "") not in LOOPBACK:
        raise MailError(f"{what}: {url!r} must be https (mail providers honour one-click unsubscribe over https only)")
    return url


def check_domain(value: object) -> str:
    """A host name for Message-ID and List-Id (letters, digits, hyphens and dots)."""
    domain = value.strip().lower().rstrip(".") if isinstance(value, str) else ""
    if not _HOST.fullmatch(domain):
        raise MailError(f"{value!r} is not a domain name for Message-ID and List-Id")
    return domain
