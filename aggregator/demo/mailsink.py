"""The demo's mail server: a local SMTP sink (aiosmtpd) that writes every message to a folder.

The demo's subscriptions work end to end offline: confirmation emails and digests land
in ``<demo dir>/mail/`` as ``.eml`` files (open them with any mail program, or read the
confirm link in the text part) instead of going anywhere.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self.count):04d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 OK: written to the demo's mail folder"


class MailSink:
    def __init__(self, folder: Path, port: int = 0):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.controller = Controller(_Writer(folder), hostname="127.0.0.1", port=port or _free_port(),
                                     ready_timeout=10)

    @property
    def port(self) -> int:
        return self.controller.port

    def __enter__(self) -> "MailSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
