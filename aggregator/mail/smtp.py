"""One SMTP connection that sends messages and says what each failure means: the only smtplib importer.

Why not ``smtplib.SMTP.send_message``: it runs MAIL, RCPT and DATA as one call and
reports every failure the same way, but the outbox has to tell three cases apart:

- nothing was handed over (a 4xx, a drop or timeout before the final ``.``): safe to
  retry later, :class:`TemporaryMailError`;
- the server refused this recipient or message with a 5xx: :class:`PermanentMailError`,
  the address is bounced and suppressed;
- the whole message went out but the server's answer never came: it may have been
  accepted, so a retry could mail the reader twice: :class:`UncertainDeliveryError`.

So :meth:`SmtpSender.send` speaks MAIL, RCPT and DATA itself (one recipient per
message: every email carries its reader's own unsubscribe link) and keeps track of
which stage failed. Problems no retry can fix (login refused, TLS failing, a password
missing from the environment, the server refusing our From) are
:class:`MailSetupError`, and stop the run.

The connection opens on ``__enter__`` (a setup error shows before anything is
claimed), is reopened after a drop, and a connection the server closed while idle is
reopened and the message tried once more, since nothing of it had been sent.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import threading
import time
from email.message import EmailMessage
from typing import Callable, Mapping, Protocol

from ..config import EmailSettings, Settings, secret
from ..errors import (MailConnectionError, MailError, MailSetupError, PermanentMailError, TemporaryMailError,
                      UncertainDeliveryError)
from .headers import LOOPBACK, one_line, split_from


class MailSender(Protocol):
    """What the outbox needs of a sender: a context manager (one connection) that sends."""

    def __enter__(self) -> "MailSender": ...

    def __exit__(self, *exc) -> None: ...

    def pace(self) -> None:
        """Wait as the throttle says before the next message (``send`` waits if nobody called this)."""
        ...

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` to its ``To`` address; return its Message-ID."""
        ...


#: Makes one sender (one connection) per delivery run; ``smtp_factory(settings)`` is the real one.
SenderFactory = Callable[[], MailSender]


class Throttle:
    """At most ``per_second`` messages a second: waits before each one as long as needed.

    One throttle serves every sender a factory makes, in any thread: in ``serve`` the
    digest, the mail job and the confirmations share one rate, the one the mail
    provider allows. Each caller reserves the next free slot under a lock and sleeps
    outside it."""

    def __init__(self, per_second: float, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self._sleep = sleep
        self._monotonic = monotonic
        self._next: float | None = None  # the earliest moment the next message may go
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._monotonic()
            slot = now if self._next is None else max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


def smtp_factory(settings: Settings, *, environ: Mapping[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 ssl_context: ssl.SSLContext | None = None) -> SenderFactory:
    """The factory the outbox (and the web app) use to send through [email]'s server.

    Raises MailSetupError at once when [email] is missing from config.toml.
    """
    email = require_email(settings)
    throttle = Throttle(email.messages_per_second, sleep=sleep)  # one rate for every connection it makes
    return lambda: SmtpSender(email, throttle, environ=environ, ssl_context=ssl_context)


def require_email(settings: Settings) -> EmailSettings:
    if settings.email is None:
        raise MailSetupError("no [email] section in config.toml: add one with smtp_host, smtp_port, security "
                             "and from (see `aggregator init` for a commented example)")
    return settings.email


class SmtpSender:
    """One connection to [email]'s SMTP server, throttled; see the module docstring."""

    def __init__(self, settings: EmailSettings, throttle: Throttle, *, environ: Mapping[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._environ = environ
        self._context = ssl_context
        self._throttle = throttle
        self._envelope_from = split_from(settings.from_)[1]
        self._paced = False
        self._conn: smtplib.SMTP | None = None
        self.connections = 0  # opened so far (reconnects included)

    def __enter__(self) -> "SmtpSender":
        self._connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    @property
    def _where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    # -- the connection -------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self._context or ssl.create_default_context()
        try:
            if s.security == "tls":
                conn = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds, context=context)
            else:
                conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds)
        except ssl.SSLError as exc:
            raise MailSetupError(f"SMTP {self._where}: TLS failed ({_reason(exc)}); check [email] security "
                                 "(\"tls\" is port 465, \"starttls\" port 587) and the server's certificate") from None
        except smtplib.SMTPConnectError as exc:  # the greeting was not 220 (421: busy)
            raise MailConnectionError(f"SMTP {self._where} refused the connection: {exc.smtp_code} "
                                      f"{_text(exc.smtp_error)}", exc.smtp_code) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailConnectionError(f"cannot connect to SMTP {self._where}: {_reason(exc)}") from None
        try:
            self._handshake(conn, context)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.connections += 1
        return conn

    def _handshake(self, conn: smtplib.SMTP, context: ssl.SSLContext) -> None:
        s = self.settings
        try:
            conn.ehlo()
            if s.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise MailSetupError(f"SMTP {self._where} does not offer STARTTLS; set [email] security = "
                                         "\"tls\" for port 465, or \"none\" only for a relay on this machine")
                conn.starttls(context=context)
                conn.ehlo()
            username = self._secret(s.username_env, "username_env") if s.username_env else None
            if username:
                if s.security == "none" and s.smtp_host not in LOOPBACK:
                    raise MailSetupError(f"refusing to send the SMTP password to {self._where} unencrypted: "
                                         "set [email] security = \"starttls\" or \"tls\"")
                password = self._secret(s.password_env, "password_env") if s.password_env else None
                if password is None:
                    raise MailSetupError("[email] username_env is set but password_env is not")
                conn.login(username, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailSetupError(f"SMTP {self._where} refused the login ({exc.smtp_code} {_text(exc.smtp_error)}): "
                                 f"check ${s.username_env} and ${s.password_env}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailSetupError(f"SMTP {self._where}: {exc}; remove username_env from [email] or use another "
                                 "server") from None
        except ssl.SSLError as exc:
            raise MailSetupError(f"SMTP {self._where}: TLS failed ({_reason(exc)}); check the server's "
                                 "certificate and [email] smtp_host") from None
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, f"SMTP {self._where} answered {exc.smtp_code} "
                                          f"{_text(exc.smtp_error)} while connecting", connecting=True) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise MailConnectionError(f"SMTP {self._where}: connection lost while connecting: {_reason(exc)}") from None

    def _secret(self, env: str | None, key: str) -> str:
        value = secret(env, self._environ)
        if not value:
            raise MailSetupError(f"[email] {key} names ${env}, which is not set in the environment")
        return value

    # -- one message ----------------------------------------------------------------------

    def pace(self) -> None:
        """Wait for the throttle now, so the caller can claim the next message after the wait."""
        if not self._paced:
            self._throttle.wait()
            self._paced = True

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` to its one ``To`` address and return its Message-ID (see the module docstring)."""
        recipient = message["To"].addresses[0].addr_spec
        message_id = str(message["Message-ID"]).strip()
        data = _dot_stuffed(message.as_bytes())
        utf8 = bool(message.policy.utf8)
        self.pace()
        self._paced = False
        for attempt in range(2):
            reused = self._conn is not None
            conn = self._conn or self._connect()
            try:
                self._transaction(conn, recipient, data, utf8)
                return message_id
            except _StaleConnection:
                self._drop()
                if attempt or not reused:
                    break
                # the server closed an idle connection; nothing was sent: reconnect and try once more
        raise TemporaryMailError(f"SMTP {self._where} closed the connection before MAIL FROM")

    def _transaction(self, conn: smtplib.SMTP, recipient: str, data: bytes, utf8: bool) -> None:
        options: list[str] = []
        if utf8:
            if not conn.has_extn("smtputf8"):
                self._reset(conn)
                raise MailError(f"{recipient}: the address needs SMTPUTF8, which SMTP {self._where} does not offer")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        try:
            code, reply = conn.mail(self._envelope_from, options)
        except (smtplib.SMTPServerDisconnected, OSError):
            raise _StaleConnection() from None
        if code != 250:
            self._fail(conn, code, reply, "MAIL FROM", sender=True)
        try:
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                self._fail(conn, code, reply, f"RCPT TO <{recipient}>")
            code, reply = conn.docmd("data")
            if code != 354:
                self._fail(conn, code, reply, "DATA")
            conn.send(data + b".\r\n")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryMailError(f"SMTP {self._where}: connection lost before the message was sent: "
                                     f"{_reason(exc)}") from None
        try:
            code, reply = conn.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise UncertainDeliveryError(f"SMTP {self._where}: the message to {recipient} was sent but the "
                                         f"server's answer never came ({_reason(exc)}); it may have arrived") from None
        if code != 250:
            self._fail(conn, code, reply, "end of DATA", reset=False)

    def _fail(self, conn: smtplib.SMTP, code: int, reply: bytes, stage: str, *, sender: bool = False,
              reset: bool = True) -> None:
        text = f"SMTP {self._where} answered {code} {_text(reply)} to {stage}"
        if code == 421:  # the server is closing the connection
            self._drop()
        elif reset:
            self._reset(conn)
        if sender and code >= 500:
            raise MailSetupError(text + ": the server refuses our sender; check [email] from and the login")
        error = _by_code(code, text)
        if isinstance(error, PermanentMailError):  # about the mailbox only at RCPT, and never a policy 5.7.x
            error.mailbox = stage.startswith("RCPT") and not re.search(r"\b5\.7\.\d", text)
        raise error

    def _reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class _StaleConnection(Exception):
    """MAIL FROM found the connection closed: nothing of the message was sent."""


def _by_code(code: int, text: str, *, connecting: bool = False) -> MailError:
    if 400 <= code < 500:
        return MailConnectionError(text, code) if connecting else TemporaryMailError(text, code)
    if connecting:
        return MailSetupError(text)
    if 500 <= code < 600:
        return PermanentMailError(text, code)
    return TemporaryMailError(text, code)  # not a reply SMTP defines: do not bounce anyone over it


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: CRLF line ends, a leading dot doubled (RFC 5321 4.5.2), a final CRLF."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _text(reply: bytes | str) -> str:
    """A server's words for an error message: one line, no control characters (it is printed to a terminal)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return one_line(text, 300)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    return _text(str(exc)) or type(exc).__name__
