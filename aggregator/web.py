"""The web endpoints beside the static site: subscribe, confirm, preferences, unsubscribe, health.

The only module that imports starlette. What it promises readers and mail providers:

- **No enumeration**: ``POST /subscribe`` answers the same page (and takes the same
  time: the confirmation is sent after the response) whether the address is new,
  pending, confirmed, bounced, rate-limited or caught by the honeypot. Only an address
  that is not an address gets a different answer.
- **Nothing changes on GET**: mail scanners prefetch links. A confirm or unsubscribe
  link shows a page with a button; the button's POST acts. RFC 8058 one-click
  unsubscribe is that same POST, sent by the mail provider with no cookie or page in
  between. Unknown unsubscribe tokens get the same answer as known ones.
- **Limits**: subscribe requests per client address per hour, and confirmation emails
  per address per day (``[email]``), counted in the store so a restart forgets nothing.

Each worker thread has its own SQLite connection (``_Stores``): starlette runs these
sync endpoints in a thread pool, and a connection is not shared between threads.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .clock import Clock
from .config import EmailSettings, Settings
from .errors import AggregatorError
from .mail.headers import LOOPBACK
from .store import Store, open_store
from .store import subscribers as subs
from .templating import render

CSP = "default-src 'none'; style-src 'self' {site}; img-src 'self' {site}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
MAX_FORM_BYTES = 16_384
log = logging.getLogger("aggregator.web")

Confirmations = Callable[[int], None]  # sends the confirmation email to a subscriber id (in a worker thread)


class _Stores(threading.local):
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store: Store | None = None

    def get(self) -> Store:
        if self.store is None:
            self.store = open_store(self.settings.database_path, self.settings.database.busy_timeout_seconds)
        return self.store


def create_app(settings: Settings, clock: Clock, confirmations: Confirmations, *,
               serve_site: bool = True, status: Callable[[], dict] | None = None) -> Starlette:
    """The ASGI app: endpoints at ``web.public_url``'s paths, and the built site at ``/``."""
    stores = _Stores(settings)
    site_url, public = settings.site.base_url, settings.web.public_url
    limits = settings.email or EmailSettings()  # the form answers (with the defaults) even without [email]

    def page(heading: str, *paragraphs: str, form: dict | None = None, status_code: int = 200) -> HTMLResponse:
        html = render("web/page.html", heading=heading, paragraphs=paragraphs, form=form,
                      site_title=settings.site.title, site_url=site_url)
        origin = "/".join(site_url.split("/")[:3])
        return HTMLResponse(html, status_code, headers={
            "Content-Security-Policy": CSP.format(site=origin), "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})

    async def form_data(request: Request) -> dict[str, list[str]] | None:
        """The form fields, or None for a body over MAX_FORM_BYTES (read no further than that)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        from urllib.parse import parse_qs
        try:
            return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            return {}

    async def subscribe(request: Request) -> Response:
        data = await form_data(request)
        if data is None:
            return page("Too large", "That request was larger than any subscription form.", status_code=413)
        client = request.client.host if request.client else "unknown"
        return await run_in_threadpool(subscribe_in_thread, data, client)  # SQLite may wait: not on the loop

    def subscribe_in_thread(data: dict[str, list[str]], client: str) -> Response:
        """Answer at once, the same for every address; what the address is to us (new, pending,
        confirmed, bounced, over its limit) is looked at after the answer went out, so neither the
        answer nor its timing can tell a visitor whether an address is subscribed."""
        check_inbox = ("Check your inbox", "If the address can receive our email, a message with a confirmation "
                       "link is on its way. Nothing is sent to you until you confirm.")
        if not subs.take_event(stores.get(), f"subscribe-ip:{client}", clock() - timedelta(hours=1),
                               limits.subscribes_per_client_per_hour, clock()):
            return page("Too many requests", "Please try again in an hour.", status_code=429)
        if (data.get("website") or [""])[0]:  # the honeypot: people never see this field
            return page(*check_inbox)
        from .mail import normalize_address
        try:
            # one reader per mailbox: "John@" and "john@" are the same address everywhere in practice
            address = normalize_address((data.get("email") or [""])[0].strip()).lower()
        except AggregatorError:
            return page("That address does not look right",
                        "Please go back and check it: one plain address such as name@example.org.", status_code=400)
        response = page(*check_inbox)
        response.background = BackgroundTask(register, address)
        return response

    def register(address: str) -> None:
        """After the answer: the subscriber, pending until confirmed, and a confirmation email
        unless the address had its share of them today."""
        now = clock()
        try:
            store = stores.get()
            subscriber = subs.add_pending(store, address, now)
            per_day = limits.confirmations_per_address_per_day
            if subscriber["status"] == "pending" and subs.take_event(store, f"confirm:{address}",
                                                                     now - timedelta(days=1), per_day, now):
                confirmations(subscriber["id"])
        except Exception:  # the answer is out: the log is the only place left to say it
            log.exception("subscribing %s failed; they can subscribe again", address)

    def confirm_get(request: Request) -> Response:
        return page("Confirm your subscription", "One more step: press the button to start receiving the digest.",
                    form={"action": "", "button": "Confirm my subscription"})

    def confirm_post(request: Request) -> Response:
        now = clock()
        subscriber = subs.subscriber_for_token(stores.get(), request.path_params["token"], "confirm", now)
        if subscriber is None or subscriber["status"] not in ("pending", "confirmed"):
            return page("This link has expired", "Confirmation links work for seven days. "
                        "Subscribe again on the site to get a new one.", status_code=410)
        subs.confirm(stores.get(), subscriber["id"], now)
        return page("You are subscribed", "The next digest will reach you when it is published.")

    def unsubscribe_get(request: Request) -> Response:
        return page("Unsubscribe", "Press the button and no further digest will be sent to you.",
                    form={"action": "", "button": "Unsubscribe"})

    def unsubscribe_post(request: Request) -> Response:
        """Also RFC 8058 one-click: a POST with List-Unsubscribe=One-Click from the mail provider."""
        now = clock()
        subscriber = subs.subscriber_for_token(stores.get(), request.path_params["token"], "manage", now)
        if subscriber is not None:
            subs.unsubscribe(stores.get(), subscriber["id"], now)
        return page("You are unsubscribed", "No further digest will be sent to this address.")

    def preferences(request: Request) -> Response:
        now = clock()
        store = stores.get()
        subscriber = subs.subscriber_for_token(store, request.path_params["token"], "manage", now)
        if subscriber is None or subscriber["status"] != "confirmed":
            return page("This link is not valid", "Use the link in your latest digest email.", status_code=404)
        return page("Your preferences", form=_preferences_form(store, subscriber))

    async def preferences_post(request: Request) -> Response:
        data = await form_data(request)
        if data is None:
            return page("Too large", "That request was larger than any preferences form.", status_code=413)
        return await run_in_threadpool(save_preferences, request.path_params["token"], data)

    def save_preferences(token: str, data: dict[str, list[str]]) -> Response:
        now = clock()
        store = stores.get()
        subscriber = subs.subscriber_for_token(store, token, "manage", now)
        if subscriber is None or subscriber["status"] != "confirmed":
            return page("This link is not valid", "Use the link in your latest digest email.", status_code=404)
        form = _preferences_form(store, subscriber)
        topics = [t for t in data.get("topics", []) if t in form["topics"]]
        subs.set_preferences(store, subscriber["id"], "weekly", topics)  # the only digest there is, so far
        return page("Preferences saved", form={**form, "chosen": set(topics)})  # the offer stays as it was

    def healthz(request: Request) -> Response:
        stores.get().scalar("select 1")
        return JSONResponse({"ok": True})

    def status_json(request: Request) -> Response:
        """Operators only: feed URLs, errors and spend are not for the public internet."""
        client = request.client.host if request.client else ""
        if client not in LOOPBACK:
            return JSONResponse({"error": "status is only answered on the loopback interface"}, 403)
        return JSONResponse(status() if status else {})

    async def unavailable(request: Request, error: Exception) -> Response:
        log.error("%s %s: %s", request.method, request.url.path, error)
        return page("Temporarily unavailable", "Please try again in a minute.", status_code=503)

    base = "/" + public.split("/", 3)[3] if public.count("/") >= 3 else "/"
    routes = [
        Route(f"{base}subscribe", subscribe, methods=["POST"]),
        Route(base + "confirm/{token}", confirm_get, methods=["GET"]),
        Route(base + "confirm/{token}", confirm_post, methods=["POST"]),
        Route(base + "unsubscribe/{token}", unsubscribe_get, methods=["GET"]),
        Route(base + "unsubscribe/{token}", unsubscribe_post, methods=["POST"]),
        Route(base + "preferences/{token}", preferences, methods=["GET"]),
        Route(base + "preferences/{token}", preferences_post, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/status", status_json),
    ]
    if serve_site:
        routes.append(Mount("/", app=_SiteFiles(settings.output_dir)))
    return Starlette(routes=routes, exception_handlers={AggregatorError: unavailable})


class _SiteFiles:
    """The published site (a symlink swapped by each build); 503 until the first build exists."""

    def __init__(self, directory):
        self.directory = directory
        self.files = StaticFiles(directory=str(directory), html=True, check_dir=False, follow_symlink=True)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not self.directory.is_dir():
            response = HTMLResponse("<!DOCTYPE html><title>Building</title><p>The site is being built; "
                                    "try again in a minute.</p>", 503, headers={"Retry-After": "60"})
            await response(scope, receive, send)
            return
        await self.files(scope, receive, send)


PREFERENCE_TOPICS = 60


def _preferences_form(store: Store, subscriber: dict) -> dict:
    """The most common card topics (LLM topics are free text: the list is capped) and, always,
    the reader's own choices, so saving the form never drops one."""
    common = [row["topic"] for row in store.query(
        "select j.value as topic from cards c, json_each(c.card_json, '$.topics') j "
        "where j.type = 'text' group by j.value order by count(*) desc, j.value limit ?", (PREFERENCE_TOPICS,))]
    topics = sorted(set(common) | set(subscriber["topics"]))
    return {"action": "", "button": "Save", "topics": topics, "chosen": set(subscriber["topics"])}
