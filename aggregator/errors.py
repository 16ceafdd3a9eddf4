"""Every error the aggregator raises on purpose, in one hierarchy.

Messages are written for the person running the tool: they say what went wrong
and, where there is one, what to do about it. The CLI prints ``str(error)`` as one
line and exits non-zero; it never shows a traceback for these.

    AggregatorError
    ├── ConfigError            config.toml is unreadable, or a key/value is wrong
    ├── StoreError             the SQLite file cannot be opened, migrated or written
    ├── FeedError              a feed-management request cannot be honoured
    │   └── OPMLError          an OPML file cannot be read at all
    ├── FetchError             one HTTP fetch failed; the run goes on with the next feed
    │   ├── BlockedAddressError    the SSRF guard refused a host or resolved address
    │   ├── UnsupportedURLError    not http/https, or not a URL at all
    │   ├── TooManyRedirectsError  redirect chain longer than the limit, or a loop
    │   ├── BodyTooLargeError      decoded body over the size cap (gzip bombs)
    │   ├── DeadlineError          the whole request took longer than its deadline
    │   ├── NotArticleError        robots.txt disallows the page, or it is not HTML
    │   ├── HTTPStatusError        a 4xx/5xx answer (``status``, ``retry_after``)
    │   └── NetworkError           DNS, connection, TLS or protocol failure
    ├── ParseError             a body is not a feed we can read
    ├── ExtractionError        one article page could not be extracted; retried later
    │   ├── ExtractionTimeout      over the time limit: its worker was killed
    │   └── ExtractionCrashed      the worker died (memory limit, crash)
    ├── LLMError               one card could not be written; the story stays queued
    │   ├── LLMUnavailableError    429/5xx/timeouts outlasted the retries
    │   ├── LLMRequestError        the server refused the request (bad key, unknown model)
    │   └── LLMOutputError         the answer was not a valid card, even after one repair
    ├── SiteError              the site cannot be built or published; the old one stays up
    │   └── SearchIndexError       Pagefind is missing or failed
    ├── MailError              an email cannot be composed or sent
    │   ├── InvalidAddressError    not a single plain address we can send to
    │   ├── TemporaryMailError     4xx, dropped connection, timeout: retried with backoff
    │   │   └── MailConnectionError    no connection to the server at all: the run stops
    │   ├── PermanentMailError     5xx for this recipient: the address is bounced and suppressed
    │   ├── UncertainDeliveryError the connection died after the message was handed over:
    │   │                          it may have arrived; recorded as unknown, never resent
    │   └── MailSetupError         login refused, TLS failed, [email] incomplete, our sender
    │                              refused: nothing will get through, the run stops
    └── ServeError             `serve` cannot start: another instance holds the database, or the port
"""

from __future__ import annotations

from datetime import datetime


class AggregatorError(Exception):
    """Base of every error the aggregator raises deliberately."""


class ConfigError(AggregatorError):
    """The configuration file or a value in it is wrong."""


class StoreError(AggregatorError):
    """The database cannot be opened, upgraded or written."""


class FeedError(AggregatorError):
    """A request about a feed (add, remove, enable) cannot be honoured."""


class OPMLError(FeedError):
    """An OPML file cannot be read even with the forgiving parser."""


class FetchError(AggregatorError):
    """One fetch failed. ``kind`` is a short stable label used in reports."""

    kind = "fetch"


class BlockedAddressError(FetchError):
    kind = "blocked"


class UnsupportedURLError(FetchError):
    kind = "bad_url"


class TooManyRedirectsError(FetchError):
    kind = "redirects"


class BodyTooLargeError(FetchError):
    kind = "too_large"


class DeadlineError(FetchError):
    kind = "timeout"


class NetworkError(FetchError):
    kind = "network"


class NotArticleError(FetchError):
    """The page is not ours to extract: robots.txt disallows it, or it is not HTML."""

    kind = "not_article"


class HTTPStatusError(FetchError):
    """The server answered with an error status.

    ``retry_after`` is the absolute time the server asked us to wait until (from a
    Retry-After header on 429/503), or None.
    """

    kind = "http"

    def __init__(self, message: str, status: int, retry_after: datetime | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ParseError(AggregatorError):
    """The body could not be read as RSS, Atom, RDF or JSON Feed."""

    kind = "parse"


class ExtractionError(AggregatorError):
    """Extracting one page failed; the entry is retried later."""

    kind = "extract"


class ExtractionTimeout(ExtractionError):
    """The page took longer than the limit; its worker was killed."""

    kind = "extract_timeout"


class ExtractionCrashed(ExtractionError):
    """The worker process died (memory limit, crash in a C library)."""

    kind = "extract_crash"


class LLMError(AggregatorError):
    """Writing one card with the LLM failed; the story stays queued with this error."""

    kind = "llm"


class LLMUnavailableError(LLMError):
    kind = "llm_unavailable"


class LLMRequestError(LLMError):
    """Permanent for this configuration: retrying the same request cannot help."""

    kind = "llm_request"

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class LLMOutputError(LLMError):
    kind = "llm_output"


class SiteError(AggregatorError):
    """The site cannot be built or published; the published site is left as it was."""


class SearchIndexError(SiteError):
    """Pagefind is missing or failed; the message carries its output."""


class MailError(AggregatorError):
    """A digest email cannot be composed or sent; nothing was sent to that recipient."""


class InvalidAddressError(MailError):
    """An email address email-validator refuses, or one with a display name or a line break.

    Refused rather than repaired: an address is where mail goes, and a "fixed" one could
    be someone else's."""


class TemporaryMailError(MailError):
    """A 4xx reply, a dropped connection or a timeout before the message was handed over.

    Nothing was delivered, so the outbox may try again later (with backoff)."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class MailConnectionError(TemporaryMailError):
    """The SMTP server cannot be reached (refused, DNS, timeout on connect, 421 greeting).

    Temporary for the message, but fatal for the run: every later message would fail
    the same way, so the sender stops and the rest stay queued."""


class PermanentMailError(MailError):
    """A 5xx reply about this recipient or this message: sending it again cannot help.

    ``mailbox`` says whether the reply is about the address (a refused RCPT that is not a
    policy 5.7.x answer): only then is the reader bounced and suppressed. A rejected
    message (DMARC, content, policy) says nothing about the mailbox."""

    def __init__(self, message: str, code: int | None = None, *, mailbox: bool = True):
        super().__init__(message)
        self.code = code
        self.mailbox = mailbox


class UncertainDeliveryError(MailError):
    """The whole message was sent but the server's answer never came (drop or timeout).

    The server may have accepted it, so sending again could mail the reader twice: the
    outbox records the outcome as unknown and leaves it to a person."""


class MailSetupError(MailError):
    """The mail server cannot be used as configured: login refused, TLS failed, a secret
    missing from the environment, or the server refusing our own sender address.
    No message can get through, so the run stops; the message names what to fix."""


class ServeError(AggregatorError):
    """`aggregator serve` cannot start: another instance runs on the database, or the port is taken."""
