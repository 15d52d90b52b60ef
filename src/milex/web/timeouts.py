"""Slow clients are cut off: a request must arrive whole within a few seconds.

uvicorn times out idle keep-alive connections but not a client that trickles its request (a
header byte a second holds a connection open for as long as it likes; 850 of them were held for
90 s). `TimedH11Protocol` gives every request a timer, started when the server waits for it
(on connect, and after each response on a kept-alive connection): if the request's headers and
body have not all arrived when it fires, the connection is closed. Once a request is complete
the timer stops, so a slow answer (a large projection) is never cut.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a whole request; `milex serve --client-timeout` sets it.
TIMEOUT_ENV = "MILEX_CLIENT_TIMEOUT"
DEFAULT_TIMEOUT = 10.0


def client_timeout() -> float:
    try:
        value = float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request (see the module doc)."""

    _request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()  # the request is in (or the connection is over): no more waiting

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # a kept-alive connection: the next request gets its own time

    def _arm(self) -> None:
        self._disarm()
        self._request_timer = self.loop.call_later(client_timeout(), self._too_slow)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _too_slow(self) -> None:
        self._request_timer = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()
