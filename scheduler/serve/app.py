"""The feed server: a Starlette application over the plan store.

Routes (only ``GET`` and ``HEAD``; everything comes from the latest published
version of each scenario in the store, never from the file system):

======================================================  ==========================================
``/``                                                   index of published scenarios (HTML)
``/<scenario>``                                         redirect to ``/<scenario>/``
``/<scenario>/``                                        public feeds with https/webcal links and QR
``/<scenario>/<name>.ics``                              a public feed: kinds plan, commune,
                                                        activity, station
``/<scenario>/calendars/<name>.ics``                    the same feed, as report.html links it
``/<scenario>/staff/<staff_id>/<token>.ics``            a staff member's private feed
``/<scenario>/<page>``                                  a page of the version: ``report.html``,
                                                        ``communes/<code>.html``
======================================================  ==========================================

``?lang=en`` (or ``vi``) picks the language of the index pages. Feeds and pages
carry a strong ETag and Last-Modified from the store and honour If-None-Match
(which takes precedence) and If-Modified-Since with 304. A request for anything
that is not published gets 404; a path with ``.``/``..`` segments, backslashes or
encoded slashes gets 404 too (no such name can exist), and a path with NUL or
other control characters or bytes that are not UTF-8 gets 400. Error bodies are
one generic line.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import re
import sqlite3
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.serve.conditional import http_date, not_modified
from scheduler.serve.index import render_home, render_scenario
from scheduler.serve.reader import (
    GZIP_LEVEL,
    PUBLIC_KINDS,
    Entry,
    Published,
    StoreReader,
)
from scheduler.serve.tokens import secret_matches

access_log = logging.getLogger("scheduler.serve.access")

#: How long clients and shared caches may reuse a feed or page without asking.
#: Short, because a new publish should reach subscribers soon; revalidating
#: after that costs a 304.
MAX_AGE_SECONDS = 300

#: Rendered index pages kept (least recently used goes first). Without a base
#: URL each ``Host`` the server answers to has its own pages.
INDEX_CACHE_SIZE = 32

_REASONS = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Internal server error",
}

_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_INDEX_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

# Characters that no feed, page, scenario or staff name may contain.
_CONTROL = {chr(c) for c in range(32)} | {"\x7f", "\ufffd"}


def _error(status: int, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(
        f"{_REASONS.get(status, 'Error')}\n",
        status_code=status,
        headers={**_COMMON_HEADERS, **(headers or {})},
    )


def classify_path(path: str, raw_path: bytes) -> int | None:
    r"""Return 400 or 404 for a path that must be refused before routing, else ``None``.

    Parameters
    ----------
    path
        The percent-decoded path (ASGI ``path``).
    raw_path
        The path as sent (ASGI ``raw_path``).

    Returns
    -------
    int or None
        400 for NUL, control characters or bytes that are not UTF-8; 404 for
        ``.``/``..`` segments, backslashes and encoded ``/``, ``\`` or ``.``;
        ``None`` when the path may be routed.
    """
    lowered = raw_path.lower()
    if any(ch in _CONTROL for ch in path) or b"%00" in lowered:
        return 400
    if "\\" in path or any(code in lowered for code in (b"%2f", b"%5c", b"%2e")):
        return 404
    if any(segment in (".", "..") for segment in path.split("/")):
        return 404
    return None


#: Anything that could be a feed secret: a run of 32 or more URL-safe
#: characters (a secret has 43). Ordinary names are shorter; a long one is
#: hidden too, which costs a little legibility and never a secret.
_SECRET_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")


def redact(path: str) -> str:
    """Hide feed secrets in a path, for logs.

    The last segment of a staff feed URL is hidden whatever it holds, and so is
    every run of characters that looks like a secret, wherever it is: a client
    that asks for ``/s/staff/LD01/<secret>.ics/x`` or ``//s/staff/...`` must
    not put the secret into the log either.
    """
    parts = path.split("/")
    if len(parts) == 5 and parts[2] == "staff":
        parts[4] = "***.ics"
    return _SECRET_LIKE.sub("***", "/".join(parts))


def host_of(header: str) -> str:
    """Return the host name of a ``Host`` header, lower case, without port or brackets."""
    value = header.strip().lower()
    if value.startswith("["):  # an IPv6 literal: [::1]:8080
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0].rstrip(".") if value.count(":") <= 1 else value


def host_allowed(header: str | None, allowed: tuple[str, ...]) -> bool:
    """Tell whether a request's ``Host`` is one the server answers to.

    Parameters
    ----------
    header
        The ``Host`` header, or ``None`` when the request has none (HTTP/1.0);
        the server's own address is used then, so it is allowed.
    allowed
        Host names; ``*`` allows any, ``*.example.org`` any name under it.

    Returns
    -------
    bool
        Whether the request may be answered.
    """
    if header is None or "*" in allowed:
        return True
    host = host_of(header)
    return any(
        host == name or (name.startswith("*.") and host.endswith(name[1:]))
        for name in allowed
    )


def accepts_gzip(header: str | None) -> bool:
    """Tell whether an ``Accept-Encoding`` header accepts gzip (``q=0`` refuses it)."""
    for part in (header or "").lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        quality = params.strip().removeprefix("q=").strip() if params else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


class GuardAndLog:
    """ASGI middleware: refuse unsafe paths before routing; log every request, redacted.

    Parameters
    ----------
    app
        The application it wraps.
    allowed_hosts
        Host names requests may carry (see :func:`host_allowed`); ``None``
        answers every ``Host``. Others get 400 before any work is done.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] | None) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_seen = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status_seen
            if message["type"] == "http.response.start":
                status_seen = int(message["status"])
            await send(message)

        path = str(scope.get("path", ""))
        raw = scope.get("raw_path") or path.encode("utf-8", "replace")
        refused = classify_path(path, bytes(raw))
        if refused is None and self.allowed_hosts is not None:
            host = Headers(scope=scope).get("host")
            refused = None if host_allowed(host, self.allowed_hosts) else 400
        if refused is not None:
            await _error(refused)(scope, receive, send_and_note)
        else:
            await self.app(scope, receive, send_and_note)
        access_log.info(
            "%s %s %d %.1f ms",
            scope.get("method", "-"),
            redact(path) if refused is None else "(refused)",
            status_seen,
            (time.perf_counter() - started) * 1000,
        )


class FeedServer:
    """The request handlers, bound to one store and one base URL.

    Parameters
    ----------
    reader
        The store, read-only.
    base_url
        Absolute URL the server is reached under, for the links on the index
        pages; ``None`` to take it from each request (scheme and Host).
    lang
        Default language of the index pages.
    """

    def __init__(self, reader: StoreReader, base_url: str | None, lang: str) -> None:
        self.reader = reader
        self.base_url = base_url.rstrip("/") if base_url else None
        self.lang = lang
        # Rendered index pages, least recently used first; with a base URL the
        # key has one base, else one per Host the server answers to.
        self._index_cache: OrderedDict[tuple[str, int, str, str], _Page] = OrderedDict()
        self._render_limiter: anyio.CapacityLimiter | None = None
        self._gzip_limiter: anyio.CapacityLimiter | None = None

    def _lang(self, request: Request) -> str:
        asked = request.query_params.get("lang")
        return asked if asked in ("vi", "en") else self.lang

    def _base(self, request: Request) -> str:
        return self.base_url or str(request.base_url).rstrip("/")

    def _published(self, request: Request) -> Published:
        scenario = request.path_params["scenario"]
        found = self.reader.snapshot().scenarios.get(scenario)
        if found is None:
            raise HTTPException(404)
        return found

    async def _serve(
        self, request: Request, entry: Entry, *, private: bool
    ) -> Response:
        gzipped = accepts_gzip(request.headers.get("accept-encoding"))
        headers = {
            **_COMMON_HEADERS,
            # The gzip form is another representation: its tag is weak, and
            # If-None-Match compares weakly, so either form revalidates.
            "ETag": f"W/{entry.etag}" if gzipped else entry.etag,
            "Last-Modified": http_date(entry.last_modified),
            "Cache-Control": f"{'private' if private else 'public'}, max-age={MAX_AGE_SECONDS}",
            "Vary": "Accept-Encoding",
        }
        if not_modified(
            request.headers.get("if-none-match"),
            request.headers.get("if-modified-since"),
            entry.etag,
            entry.last_modified,
        ):
            return Response(status_code=304, headers=headers)
        if gzipped:
            # Compressed once per version, in a worker thread: the largest
            # feeds take tens of milliseconds, which the event loop must not.
            if self._gzip_limiter is None:  # made on the event loop, at first use
                self._gzip_limiter = anyio.CapacityLimiter(2)
            body = await anyio.to_thread.run_sync(
                self.reader.gzipped, entry, limiter=self._gzip_limiter
            )
            headers["Content-Encoding"] = "gzip"
        else:
            body = self.reader.body(entry)
        if body is None:
            raise HTTPException(404)
        return Response(body, headers={**headers, "Content-Type": entry.content_type})

    async def home(self, request: Request) -> Response:
        """``/``: the published scenarios."""
        lang = self._lang(request)
        page = render_home(list(self.reader.snapshot().scenarios.values()), lang)
        return self._html(request, _Page.of(page))

    async def to_scenario_index(self, request: Request) -> Response:
        """``/<scenario>``: redirect a published scenario to its index, else 404."""
        published = self._published(request)
        # Relative, so that it also works behind a proxy that adds a path prefix.
        target = urllib.parse.quote(published.scenario, safe="") + "/"
        return RedirectResponse(target, status_code=308, headers=_COMMON_HEADERS)

    async def scenario_index(self, request: Request) -> Response:
        """``/<scenario>/``: public feeds with links and QR codes."""
        published = self._published(request)
        lang, base = self._lang(request), self._base(request)
        key = (published.scenario, published.version, base, lang)
        page = self._cached_index(key)
        if page is None:
            # A page takes 150-190 ms for a large plan (a QR code per feed):
            # render it in a worker thread, one at a time, so feeds keep flowing.
            if self._render_limiter is None:
                self._render_limiter = anyio.CapacityLimiter(1)
            async with self._render_limiter:
                page = self._cached_index(key)  # rendered while this one waited?
                if page is None:
                    page = await anyio.to_thread.run_sync(
                        _Page.render, published, base, lang
                    )
                    self._index_cache[key] = page
                    while len(self._index_cache) > INDEX_CACHE_SIZE:
                        self._index_cache.popitem(last=False)
        return self._html(request, page)

    def _cached_index(self, key: tuple[str, int, str, str]) -> _Page | None:
        page = self._index_cache.get(key)
        if page is not None:
            self._index_cache.move_to_end(key)
        return page

    async def public_feed(self, request: Request) -> Response:
        """``/<scenario>/<name>.ics``: a feed whose kind is public."""
        published = self._published(request)
        entry = published.feeds.get(request.path_params["name"])
        if entry is None or entry.kind not in PUBLIC_KINDS:
            raise HTTPException(404)
        return await self._serve(request, entry, private=False)

    async def staff_feed(self, request: Request) -> Response:
        """``/<scenario>/staff/<staff_id>/<token>.ics``: a private feed."""
        published = self._published(request)
        staff_id = request.path_params["staff_id"]
        stored = self.reader.snapshot().token_hashes.get((published.scenario, staff_id))
        entry = published.staff_feeds.get(staff_id)
        # Check the secret first and the same way whether or not the person exists.
        if not secret_matches(request.path_params["token"], stored) or entry is None:
            raise HTTPException(404)
        return await self._serve(request, entry, private=True)

    async def page(self, request: Request) -> Response:
        """``/<scenario>/<page>``: a stored page such as ``report.html``."""
        published = self._published(request)
        entry = published.pages.get(request.path_params["page"])
        if entry is None:
            raise HTTPException(404)
        return await self._serve(request, entry, private=False)

    @staticmethod
    def _html(request: Request, page: _Page) -> Response:
        headers = {
            **_COMMON_HEADERS,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": _INDEX_CSP,
            "Vary": "Accept-Encoding",
        }
        if accepts_gzip(request.headers.get("accept-encoding")):
            headers["Content-Encoding"] = "gzip"
            return HTMLResponse(page.gzipped, headers=headers)
        return HTMLResponse(page.body, headers=headers)


@dataclass(frozen=True)
class _Page:
    """An HTML page with its gzip form, made together and cached together."""

    body: bytes
    gzipped: bytes

    @classmethod
    def of(cls, body: bytes) -> _Page:
        return cls(body, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))

    @classmethod
    def render(cls, published: Published, base: str, lang: str) -> _Page:
        return cls.of(render_scenario(published, base, lang))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Keep the headers Starlette adds (Allow on 405); never the detail text.
    return _error(exc.status_code, dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(500)


def create_app(
    store: Path,
    base_url: str | None = None,
    lang: str = "vi",
    allowed_hosts: tuple[str, ...] | None = None,
) -> ASGIApp:
    """Build the feed server's ASGI application.

    Parameters
    ----------
    store
        The plan store (SQLite); opened read-only.
    base_url
        Absolute URL the server is reached under, such as
        ``https://lich.example.gov.vn`` or ``https://example.org/lich``, used
        for the links and QR codes of the index pages. ``None`` takes scheme and
        host from each request.
    lang
        Default language of the index pages: ``vi`` or ``en``.
    allowed_hosts
        Host names requests may carry (``*``, ``*.example.org`` allowed);
        others get 400. ``None`` answers any ``Host``: fine with a
        ``base_url``, which the pages then use whatever the ``Host``.

    Returns
    -------
    ASGIApp
        The application, to run with uvicorn.

    Raises
    ------
    FileNotFoundError
        When the store does not exist.
    sqlite3.Error
        When the file is not a plan store.
    """
    reader = StoreReader(store)
    try:
        reader.snapshot()  # fail now, not at the first request, on a file that is no store
    except sqlite3.Error:
        reader.close()
        raise
    server = FeedServer(reader, base_url, lang)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        reader.close()

    routes = [
        Route("/", server.home, methods=["GET"]),
        Route("/{scenario}", server.to_scenario_index, methods=["GET"]),
        Route("/{scenario}/", server.scenario_index, methods=["GET"]),
        Route(
            "/{scenario}/staff/{staff_id}/{token}.ics",
            server.staff_feed,
            methods=["GET"],
        ),
        Route("/{scenario}/{name}.ics", server.public_feed, methods=["GET"]),
        # report.html links its feeds as calendars/<name>.ics, as in the out folder
        Route("/{scenario}/calendars/{name}.ics", server.public_feed, methods=["GET"]),
        Route("/{scenario}/{page:path}", server.page, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    # Unknown paths answer 404, not a redirect to the same path with a slash.
    app.router.redirect_slashes = False
    return GuardAndLog(app, allowed_hosts)
