"""Running the feed server: the listening socket, uvicorn's settings, and a header deadline.

uvicorn closes a connection that stays idle for ``timeout_keep_alive`` after a
response, but it sets no deadline before the first request, and any byte
received cancels its timer. A client that opens connections and sends half a
request line, or one header byte now and then, would keep them open forever
and, with enough of them, take every connection the server allows.
:class:`HeaderDeadlineProtocol` gives each request ``header_timeout`` seconds,
counted from the connection (or the end of the previous response), to finish
its head; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from scheduler.serve import (
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE,
    DEFAULT_LIMIT_CONCURRENCY,
)


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus a deadline for each request's head.

    The deadline starts when the connection opens, and again when bytes of a
    new request arrive after a response; it stops when the head is complete
    and the application takes the request. Later bytes do not move it, so a
    client that sends one byte a second is closed just like a silent one.
    """

    #: Set by :func:`make_config` on a subclass; seconds for a request's head.
    header_timeout = DEFAULT_HEADER_TIMEOUT

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_deadline: asyncio.TimerHandle | None = None

    def _in_request(self) -> bool:
        """Tell whether the application is working on a request (no deadline then)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(
                self.header_timeout, self._expire
            )

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _expire(self) -> None:
        self._head_deadline = None
        if self._in_request() or self.transport.is_closing():
            return
        # A half-sent request leaves nothing to tell the peer.
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the deadline of the first request."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Feed h11; arm the deadline between requests, disarm it once one is taken."""
        if not self._in_request():
            self._arm()
        super().data_received(data)
        if self._in_request():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._disarm()
        super().connection_lost(exc)


def make_config(
    app: ASGIApp,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    keep_alive: int = DEFAULT_KEEP_ALIVE,
    limit_concurrency: int = DEFAULT_LIMIT_CONCURRENCY,
    log_level: str = "info",
) -> uvicorn.Config:
    """Return uvicorn's settings for the feed server.

    Parameters
    ----------
    app
        The application (:func:`scheduler.serve.app.create_app`).
    header_timeout
        Seconds a client has to send a complete request head.
    keep_alive
        Seconds an idle connection stays open after a response.
    limit_concurrency
        Open connections (or requests in progress) above which uvicorn answers
        new requests with 503 instead of queueing them without end.
    log_level
        uvicorn's own log level.

    Returns
    -------
    uvicorn.Config
        Settings to run with ``uvicorn.Server(config).run(sockets=[...])``.
    """
    protocol = type(
        "FeedHttpProtocol",
        (HeaderDeadlineProtocol,),
        {"header_timeout": header_timeout},
    )
    return uvicorn.Config(
        app,
        http=protocol,
        # uvicorn's own access log would print staff secrets; the app logs redacted paths.
        access_log=False,
        server_header=False,
        log_level=log_level,
        lifespan="on",
        timeout_keep_alive=keep_alive,
        limit_concurrency=limit_concurrency,
    )


def bind(host: str, port: int) -> socket.socket:
    """Open the listening socket; port 0 takes a free port (read it back with :func:`bound_port`).

    Raises
    ------
    OSError
        When the address cannot be used (in use, not an address of this machine).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name the protocol: asyncio turns Nagle's algorithm off (TCP_NODELAY) only
    # on connections whose socket says IPPROTO_TCP; with the default 0 every
    # keep-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def bound_port(sock: socket.socket) -> int:
    """Return the port a socket is bound to."""
    return int(sock.getsockname()[1])
