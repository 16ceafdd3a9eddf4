"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that records what it receives
and answers as a test scripts it: 4xx/5xx replies for chosen recipients, a connection
dropped at a chosen moment, a DATA answer held back until the test lets it go.

    with SmtpServer() as smtp:
        smtp.handler.rcpt_script["a@example.com"] = ["451 4.7.1 try later"]
        ...
        assert [r.to for r in smtp.handler.received] == [...]

Scripts are consumed one reply per command for that recipient; "DROP" closes the
connection instead of answering (at DATA: after the message was read in full, so the
client never learns whether it arrived).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    mail_options: list[str]

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.mail_script: list[str] = []  # replies to the next MAIL commands, whoever they are for
        self.rcpt_script: dict[str, list[str]] = {}  # recipient -> replies to its next RCPTs
        self.data_script: dict[str, list[str]] = {}  # recipient -> replies to its next DATAs
        self.data_delay = 0.0  # seconds each message takes to arrive (before it is recorded)
        self.stall_at: int | None = None  # the n-th message (1-based) is recorded, then its answer waits
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.on_message = None  # called with each Received, in the server's thread

    def _next(self, script: list[str] | None) -> str | None:
        with self.lock:
            return script.pop(0) if script else None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = self._next(self.mail_script)
        if reply == "DROP":
            server.transport.close()
            return "421 gone"
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._next(self.rcpt_script.get(address))
        if reply == "DROP":
            server.transport.close()
            return "421 gone"
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._next(self.data_script.get(envelope.rcpt_tos[0]))
        if reply and reply != "DROP":
            return reply  # refused: not recorded as received
        if self.data_delay:
            await asyncio.sleep(self.data_delay)  # the message is in flight, not yet accepted
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                            list(envelope.mail_options))
        with self.lock:
            self.received.append(received)
            count = len(self.received)
        if self.on_message:
            self.on_message(received)
        if reply == "DROP":
            server.transport.close()  # the message is here; the client never hears so
            return "250 OK"
        if self.stall_at == count:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return [r.to for r in self.received]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; ``credentials=(user, password)`` requires a login."""

    def __init__(self, *, host: str = "127.0.0.1", credentials: tuple[str, str] | None = None, ssl_context=None,
                 tls_context=None, require_starttls: bool = False, smtputf8: bool = True) -> None:
        self.handler = Handler()
        self.host = host
        self.port = free_port()
        self.logins: list[tuple[str, bool]] = []
        kwargs: dict = {"enable_SMTPUTF8": smtputf8}
        if credentials:
            kwargs.update(authenticator=self._authenticator(credentials), auth_require_tls=tls_context is not None,
                          auth_required=True)
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=require_starttls)
        self.controller = Controller(self.handler, hostname=host, port=self.port, ssl_context=ssl_context,
                                     ready_timeout=10, **kwargs)

    def _authenticator(self, credentials: tuple[str, str]):
        user, password = credentials

        def check(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == (user, password)
            self.logins.append((auth_data.login.decode(), ok))
            return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself

        return check

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.release.set()
        self.controller.stop()
