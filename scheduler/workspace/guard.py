"""The workspace's gate: body size limit, authentication and CSRF, for every route.

A pure ASGI middleware, inside Starlette's session middleware, so nothing
reaches a route without passing it: a route added later is protected by
default. Only the login pages and the static files (htmx, the style sheet)
are public.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from contextlib import closing
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.workspace import security

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Sent with every answer: no framing (clickjacking), no type guessing, and no
#: Referer to other sites (a page address never leaves the workspace).
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
#: Largest request body accepted (an uploaded workbook): 10 MB.
MAX_BODY = 10 * 1024 * 1024


# What a person sees when the gate refuses a page (both languages: no session
# tells which one they read).
_VI = {
    403: "Biểu mẫu đã cũ hoặc phiên làm việc đã đổi. Tải lại trang rồi thử lại.",
    413: "Tệp quá lớn: tối đa 10 MB.",
}
_EN = {
    403: "The form is out of date or the session changed. Reload the page and try again.",
    413: "The file is too large: 10 MB at most.",
}
_PAGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<link rel="stylesheet" href="/static/app.css"><main>'
    '<p class="notice">{vi}</p><p class="notice" lang="en">{en}</p>'
    '<p><a href="/plans">Kế hoạch / Plans</a></p></main></html>'
)


def is_public(path: str) -> bool:
    """Tell whether a path is open without a session.

    The login pages, the static files, and the published calendars under
    ``/feeds/`` (a subscriber's calendar app has no session; a staff
    member's private feed is opened by the secret in its address).
    """
    return path == "/login" or path.startswith(("/login/", "/static/", "/feeds/"))


async def _send_plain(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """Read the whole request body; ``None`` when it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """Return a ``receive`` that gives ``body`` once, as the route expects it."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_csrf(scope: Scope, body: bytes, content_type: str) -> str | None:
    """Return the ``csrf`` field of a form body, if the body is a form."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = urllib.parse.parse_qs(body.decode("latin-1"))
        found = values.get("csrf")
        return found[0] if found else None
    if content_type.startswith("multipart/form-data"):
        request = Request(scope, _replay(body))
        try:
            form = await request.form(max_part_size=MAX_BODY)
        except Exception:  # a broken form has no token: refused as CSRF
            return None
        value = form.get("csrf")
        await form.close()
        return value if isinstance(value, str) else None
    return None


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {
                **message,
                "headers": [*message.get("headers", []), *SECURITY_HEADERS],
            }
        await send(message)

    return wrapped


class Guard:
    """Size limit, then authentication (session or Bearer token), then CSRF.

    Parameters
    ----------
    app : ASGI app
        The routes.
    connect : callable
        Opens the workspace database (for API tokens).
    max_body : int
        The largest request body in bytes; larger ones get 413.
    """

    def __init__(
        self,
        app: ASGIApp,
        connect: Callable[[], Any],
        max_body: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.connect = connect
        self.max_body = max_body

    def _bearer_user(self, headers: Headers) -> tuple[str | None, bool]:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, False
        with closing(self.connect()) as conn:
            return security.token_user(conn, token.strip()), True

    def _exists(self, user: str) -> bool:
        with closing(self.connect()) as conn:
            return security.has_user(conn, user)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request on only when it is small enough, authenticated and not forged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        path: str = scope["path"]
        method: str = scope["method"]
        headers = Headers(scope=scope)
        api = path.startswith("/api/")
        body = b""
        if method in UNSAFE:
            length = headers.get("content-length", "")
            if length and (not length.isdigit() or int(length) > self.max_body):
                await self._refuse(send, 413, api, "request too large (10 MB at most)")
                return
            read = await _read_body(receive, self.max_body)
            if read is None:
                await self._refuse(send, 413, api, "request too large (10 MB at most)")
                return
            body = read
            receive = _replay(body)
        session: dict[str, Any] = scope.get("session", {})
        user, by_token = self._bearer_user(headers)
        if not by_token:
            user = session.get("user")
            if user is not None and session.get("account") and not self._exists(user):
                session.clear()  # the account was removed: its sessions end
                user = None
        if user is None and not is_public(path):
            if api or by_token:
                await self._refuse(
                    send,
                    401,
                    True,
                    "login required",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            # a page, or a form sent after the session ended: log in, then come back
            back = path if method == "GET" else "/plans"
            target = "/login?" + urllib.parse.urlencode({"next": back})
            await _send_plain(
                send, 303, b"", extra=[(b"location", target.encode("latin-1"))]
            )
            return
        if method in UNSAFE and not by_token:
            token = headers.get("x-csrf-token") or await _form_csrf(
                scope, body, headers.get("content-type", "")
            )
            expected = session.get("csrf")
            if not expected or not token or not security.same(token, expected):
                await self._refuse(send, 403, api, "missing or wrong CSRF token")
                return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(
        send: Send,
        status: int,
        api: bool,
        reason: str,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        if api:
            body = json.dumps({"error": reason}).encode()
            await _send_plain(send, status, body, "application/json", extra)
        else:
            page = _PAGE.format(vi=_VI[status], en=_EN[status])
            await _send_plain(
                send, status, page.encode(), "text/html; charset=utf-8", extra
            )
