"""An HTTP/2 connection served with the ``h2`` state machine, each stream an ASGI request.

:class:`H2Connection` takes over a connection that opened with the HTTP/2 preface (``h2c.py``
decides): every stream becomes an ASGI ``http`` request to the app, run as its own task. h2 is
used as is but for one fix: a client's graceful GOAWAY must not cut off the responses still open
(see ``_GracefulGoaway``).

Bounds, because peers are untrusted: header lists of at most ``MAX_HEADER_LIST_BYTES`` (larger is
a connection error in ``h2``), ``MAX_CONCURRENT_STREAMS`` streams at once, request bodies of at most
``MAX_BODY_BYTES`` (refused with 413 while reading, never buffered whole first), and flow-control
windows that only reopen as the app consumes the body. Responses honour the peer's windows and
the socket's write buffer, so a megabyte response waits for WINDOW_UPDATE instead of overrunning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast
from urllib.parse import unquote

import h2.events
import h2.exceptions
import uvicorn
from h2.config import H2Configuration
from h2.connection import H2Connection as H2StateMachine
from h2.errors import ErrorCodes
from h2.settings import SettingCodes, Settings
from hyperframe.frame import Frame, GoAwayFrame
from uvicorn.protocols.utils import get_local_addr, get_remote_addr, is_ssl
from uvicorn.server import ServerState

from lakehose.gateway.asgi_types import ASGIApp, Message, Scope
from lakehose.gateway.limits import LAMBDA_MAX_BYTES

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# A transport-level ceiling: the per-service limits (limits.py) apply over HTTP/2 as over
# HTTP/1.1, and the largest a client may send over HTTP/2 is Lambda's (a 50 MB zip, base64 in
# JSON); S3 uploads, which may be larger, come over HTTP/1.1 (S3 does not speak HTTP/2).
MAX_BODY_BYTES = LAMBDA_MAX_BYTES
MAX_HEADER_LIST_BYTES = 64 * 1024
MAX_CONCURRENT_STREAMS = 100
# Windows larger than the protocol's 64 KiB default, so an upload is not one round trip per
# 64 KiB; the connection window bounds what all of a connection's streams buffer together.
STREAM_WINDOW = 1024 * 1024
CONNECTION_WINDOW = 16 * 1024 * 1024
_DEFAULT_WINDOW = 65_535
# How long a closing connection waits for the client to close its side (see ``_hang_up``).
LINGER_SECONDS = 2.0
# RFC 9113 section 8.2.2: connection-specific fields must not appear in HTTP/2 (h2 refuses them).
_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)

logger = logging.getLogger("uvicorn.error")


class _GracefulGoaway(H2StateMachine):
    """h2's connection state, except that a peer's graceful GOAWAY lets open streams finish.

    h2 closes its whole state machine on any GOAWAY received and drops queued output
    (python-hyper/h2#1181), while RFC 9113 section 6.8 lets the streams already open complete.
    The AWS SDK for JavaScript closes its session (sending GOAWAY) as soon as a response's headers
    arrive, so with h2's behaviour every response larger than one flow-control window would be
    cut off. A GOAWAY with an error code keeps h2's handling: the peer is aborting.
    """

    def _receive_goaway_frame(
        self, frame: GoAwayFrame
    ) -> tuple[list[Frame], list[h2.events.Event]]:
        if frame.error_code != ErrorCodes.NO_ERROR:
            return super()._receive_goaway_frame(frame)
        event = h2.events.ConnectionTerminated()
        event.error_code = ErrorCodes.NO_ERROR
        event.last_stream_id = frame.last_stream_id
        event.additional_data = frame.additional_data or None
        return [], [event]


class H2Connection(asyncio.Protocol):
    """One HTTP/2 connection, from the client's preface on, serving each stream with the app."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.config = config
        self.app: ASGIApp = config.loaded_app
        self.server_state = server_state
        self.app_state = app_state
        self.loop = loop
        self.h2 = _GracefulGoaway(H2Configuration(client_side=False, header_encoding=None))
        self.h2.local_settings = Settings(
            client=False,
            initial_values={
                SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST_BYTES,
                SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
            },
        )
        # The advertised limit is only enforced by the HPACK decoder once set there too.
        self.h2.decoder.max_header_list_size = MAX_HEADER_LIST_BYTES
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.streams: dict[int, Stream] = {}
        self.writable = asyncio.Event()
        self.writable.set()
        self.shutting_down = False
        self.closing = False  # GOAWAY sent or the peer gone: nothing more is written
        self.idle: asyncio.TimerHandle | None = None
        self.frame_skip = len(PREFACE)  # bytes before the next frame header
        self.frame_header = b""

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.server_state.connections.add(self)  # type: ignore[arg-type]
        self.server = get_local_addr(self.transport)
        self.client = get_remote_addr(self.transport)
        self.scheme = "https" if is_ssl(self.transport) else "http"
        self.h2.initiate_connection()
        self.h2.increment_flow_control_window(CONNECTION_WINDOW - _DEFAULT_WINDOW)
        self.flush()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return  # lingering until the client closes: what it still sends is moot
        self._cancel_idle()
        if not self._frame_lengths_allowed(data):
            logger.debug("HTTP/2 frame too large from %s", self.client)
            self.h2.close_connection(ErrorCodes.FRAME_SIZE_ERROR)
            self._abort()
            return
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            logger.debug("Invalid HTTP/2 connection from %s: %s", self.client, exc)
            self._abort()  # h2 has queued a GOAWAY with the error code
            return
        for event in events:
            if self.closing:
                break  # closed by an earlier event: the rest has no one to answer
            self._handle(event)
        self.flush()
        self._idle_if_quiet()

    def eof_received(self) -> bool | None:
        return None  # HTTP/2 has no half-close of the connection: close the transport

    def _frame_lengths_allowed(self, data: bytes) -> bool:
        """Whether each frame header in ``data`` announces a length within our maximum.

        h2 checks a frame's length only once the whole frame is buffered, so a peer announcing
        a 16 MiB frame would be buffered up to 16 MiB first; this reads each header on arrival.
        """
        view = memoryview(data)
        while view:
            if self.frame_skip:  # the preface, or the payload of the current frame
                taken = min(self.frame_skip, len(view))
                self.frame_skip -= taken
                view = view[taken:]
                continue
            missing = 9 - len(self.frame_header)
            self.frame_header += view[:missing]
            view = view[missing:]
            if len(self.frame_header) == 9:
                self.frame_skip = int.from_bytes(self.frame_header[:3], "big")
                self.frame_header = b""
                if self.frame_skip > self.h2.max_inbound_frame_size:
                    return False
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self._cancel_idle()
        self.closing = True
        self._abort()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def shutdown(self) -> None:
        """Graceful close (uvicorn's shutdown, or the client's GOAWAY): finish the streams in
        flight, refuse new ones, then GOAWAY."""
        self.shutting_down = True
        if not self.streams:
            self.close()

    # -- events from the peer --------------------------------------------------------------

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self._start(event)
        elif isinstance(event, h2.events.DataReceived):
            self._body(event)
        elif isinstance(event, h2.events.StreamEnded):
            if stream := self.streams.get(event.stream_id):
                stream.more_body = False
                stream.changed.set()
        elif isinstance(event, h2.events.StreamReset):
            if stream := self.streams.get(event.stream_id):
                stream.drop()
        elif isinstance(event, h2.events.WindowUpdated | h2.events.RemoteSettingsChanged):
            # A stream's window (or, for stream 0 and new settings, every window) may have grown.
            for stream in self.streams.values():
                stream.window.set()
        elif isinstance(event, h2.events.ConnectionTerminated):
            if event.error_code == ErrorCodes.NO_ERROR:
                # The client opens no more streams: answer those open, then close.
                self.shutdown()
            else:
                self._abort()
        # PING and SETTINGS are acknowledged by h2 itself; priorities are only advice.

    def _start(self, event: h2.events.RequestReceived) -> None:
        stream_id = event.stream_id
        ended = event.stream_ended is not None
        if self.shutting_down:
            # Never processed, so the client may safely retry it on a new connection.
            self.reset(stream_id, ErrorCodes.REFUSED_STREAM)
            return
        pseudo: dict[bytes, bytes] = {}
        headers: list[tuple[bytes, bytes]] = []
        for name, value in event.headers:
            if name.startswith(b":"):
                pseudo[name] = value
            else:
                headers.append((name, value))
        if b":authority" in pseudo:
            # RFC 9113 section 8.3.1: :authority, not Host, names the target; the app (and SigV4,
            # which signs "host") reads it as the Host header.
            headers = [(b"host", pseudo[b":authority"])] + [h for h in headers if h[0] != b"host"]
        target = pseudo.get(b":path")
        if target is None:  # CONNECT: no tunnels here
            self.refuse(stream_id, 405, request_open=not ended)
            return
        length = dict(headers).get(b"content-length", b"0")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            self.refuse(stream_id, 413, request_open=not ended)
            return
        raw_path, _, query = target.partition(b"?")
        scope: Scope = {
            "type": "http",
            "asgi": {"version": self.config.asgi_version, "spec_version": "2.3"},
            "http_version": "2",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": pseudo[b":method"].decode("latin-1"),
            "root_path": self.config.root_path,
            "path": self.config.root_path + unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
            "state": self.app_state.copy(),
        }
        stream = Stream(self, stream_id, scope)
        self.streams[stream_id] = stream
        task = self.loop.create_task(stream.run(self.app))
        self.server_state.tasks.add(task)
        task.add_done_callback(self.server_state.tasks.discard)

    def _body(self, event: h2.events.DataReceived) -> None:
        stream = self.streams.get(event.stream_id)
        if stream is None or stream.dropped:
            # Nobody will read it: hand the window back at once, or the connection starves.
            self.acknowledge(event.stream_id, event.flow_controlled_length)
            return
        stream.received += len(event.data)
        if stream.received > MAX_BODY_BYTES:
            self.acknowledge(event.stream_id, event.flow_controlled_length)
            stream.drop()
            if stream.headers_sent:
                self.reset(event.stream_id, ErrorCodes.CANCEL)
            else:
                self.refuse(event.stream_id, 413, request_open=event.stream_ended is None)
            return
        stream.chunks.append(event.data)
        stream.unacknowledged += event.flow_controlled_length
        stream.changed.set()

    # -- sending ---------------------------------------------------------------------------

    def flush(self) -> None:
        if not self.closing and (data := self.h2.data_to_send()):
            self.transport.write(data)

    def acknowledge(self, stream_id: int, size: int) -> None:
        """Reopen the windows by ``size`` bytes the app has consumed (or that were discarded)."""
        if size and not self.closing:
            self.h2.acknowledge_received_data(size, stream_id)
            self.flush()

    def response_headers(
        self, status: int, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        block = [(b":status", str(status).encode())]
        for name, value in [*self.server_state.default_headers, *headers]:
            name = name.lower()
            if name not in _HOP_BY_HOP:
                block.append((name, value))
        return block

    def refuse(self, stream_id: int, status: int, *, request_open: bool) -> None:
        """Answer ``status`` with no body, without the app; stop a request body still coming."""
        with contextlib.suppress(h2.exceptions.ProtocolError):  # stream or connection closed
            block = self.response_headers(status, [(b"content-length", b"0")])
            self.h2.send_headers(stream_id, block, end_stream=True)
            if request_open:
                # RFC 9113 section 8.1: a complete response, then NO_ERROR tells the client to
                # stop sending the body rather than that something failed.
                self.h2.reset_stream(stream_id, ErrorCodes.NO_ERROR)
        self.flush()

    def reset(self, stream_id: int, code: ErrorCodes) -> None:
        with contextlib.suppress(h2.exceptions.ProtocolError):  # already closed
            self.h2.reset_stream(stream_id, code)
        self.flush()

    async def send_data(self, stream: Stream, data: bytes, *, end: bool) -> None:
        """Send ``data`` as the peer's flow-control windows and the socket's buffer allow."""
        view = memoryview(data)
        while not stream.dropped:
            if not view:
                if end:
                    self.h2.end_stream(stream.stream_id)
                    self.flush()
                return
            window = self.h2.local_flow_control_window(stream.stream_id)
            if window <= 0:
                stream.window.clear()
                await stream.window.wait()
                continue
            size = min(window, self.h2.max_outbound_frame_size, len(view))
            self.h2.send_data(stream.stream_id, view[:size], end_stream=end and size == len(view))
            self.flush()
            view = view[size:]
            if not view:
                return
            await self.writable.wait()

    # -- connection lifetime ---------------------------------------------------------------

    def finished(self, stream: Stream) -> None:
        """The app is done with ``stream``: release its state and maybe the connection."""
        self.streams.pop(stream.stream_id, None)
        self.server_state.total_requests += 1
        if stream.unacknowledged:
            self.acknowledge(stream.stream_id, stream.unacknowledged)
        if stream.more_body and not stream.dropped:
            # Answered before the whole body arrived: the client can stop sending it.
            self.reset(stream.stream_id, ErrorCodes.NO_ERROR)
        if self.shutting_down and not self.streams:
            self.close()
        else:
            self._idle_if_quiet()

    def _abort(self) -> None:
        """Send what h2 has queued (a GOAWAY, say), hang up, and let every app task wind down."""
        self._hang_up()
        for stream in self.streams.values():
            stream.drop()
        self.writable.set()  # wake senders, who find their streams dropped

    def close(self) -> None:
        """GOAWAY (the last stream id processed), then hang up."""
        if not self.closing:
            with contextlib.suppress(h2.exceptions.ProtocolError):  # after the peer's GOAWAY
                self.h2.close_connection()
            self._hang_up()

    def _hang_up(self) -> None:
        """Flush, stop writing, and close once the client has closed too (or after a while).

        Closing a socket whose receive buffer holds unread bytes (the WINDOW_UPDATEs a client
        sends while it reads our last DATA frames, say) makes the kernel answer with RST, and an
        RST can destroy response bytes the client has not read yet. So the write side is shut
        (FIN after the last byte), and reading goes on, discarding, until the client's FIN.
        """
        if self.closing:
            return
        self.flush()
        self.closing = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def _idle_if_quiet(self) -> None:
        # Idle connections close after uvicorn's keep-alive timeout, as HTTP/1.1 ones do.
        if not self.streams and self.idle is None and not self.closing:
            self.idle = self.loop.call_later(self.config.timeout_keep_alive, self.close)

    def _cancel_idle(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None


class Stream:
    """One request/response exchange: the ASGI ``receive`` and ``send`` of one HTTP/2 stream."""

    def __init__(self, connection: H2Connection, stream_id: int, scope: Scope) -> None:
        self.connection = connection
        self.stream_id = stream_id
        self.scope = scope
        self.chunks: list[bytes] = []
        self.received = 0  # request body bytes so far, for MAX_BODY_BYTES
        self.unacknowledged = 0  # flow-controlled bytes buffered but not yet read by the app
        self.more_body = True
        self.body_delivered = False
        self.dropped = False  # reset, refused or disconnected: the app's sends are discarded
        self.changed = asyncio.Event()  # body arrived, ended, or the stream was dropped
        self.window = asyncio.Event()  # a flow-control window may have opened
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_sent = False
        self.complete = False

    def drop(self) -> None:
        self.dropped = True
        self.changed.set()
        self.window.set()

    async def run(self, app: ASGIApp) -> None:
        try:
            await app(self.scope, self.receive, self.send)
            if not self.complete and not self.dropped:
                logger.error("ASGI callable returned without completing the response.")
                self._fail()
        except Exception:
            # An app failing because the client went away (or was refused) is not an error.
            if not self.dropped:
                logger.exception("Exception in ASGI application")
                self._fail()
        finally:
            self.connection.finished(self)

    def _fail(self) -> None:
        if self.complete:
            return  # the app answered (Starlette sends its 500 itself) before raising
        if self.headers_sent:
            self.connection.reset(self.stream_id, ErrorCodes.INTERNAL_ERROR)
        else:
            self.connection.refuse(self.stream_id, 500, request_open=self.more_body)
        self.dropped = True

    async def receive(self) -> Message:
        while not self.dropped and not self.complete:
            if self.chunks or (not self.more_body and not self.body_delivered):
                body = b"".join(self.chunks)
                self.chunks.clear()
                self.connection.acknowledge(self.stream_id, self.unacknowledged)
                self.unacknowledged = 0
                self.body_delivered = not self.more_body
                return {"type": "http.request", "body": body, "more_body": self.more_body}
            self.changed.clear()
            await self.changed.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.dropped:
            return  # as uvicorn: sends after a disconnect are ignored
        kind = message["type"]
        if kind == "http.response.start" and self.status is None:
            self.status = int(message["status"])
            self.headers = list(message.get("headers", []))
            return
        if kind != "http.response.body" or self.status is None or self.complete:
            raise RuntimeError(f"Unexpected ASGI message {kind!r}")
        body = b"" if self.scope["method"] == "HEAD" else bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        connection = self.connection
        try:
            if not self.headers_sent:
                # Headers wait for the first body message: an empty response is then one frame.
                self.headers_sent = True
                block = connection.response_headers(self.status, self.headers)
                end = not body and not more
                connection.h2.send_headers(self.stream_id, block, end_stream=end)
                connection.flush()
                if end:
                    self._completed()
                    return
            await connection.send_data(self, body, end=not more)
        except h2.exceptions.ProtocolError:
            # The client reset the stream (or the connection ended) while the response was
            # under way: as with a disconnect, the rest of the response goes nowhere.
            self.drop()
            return
        if not more:
            self._completed()

    def _completed(self) -> None:
        self.complete = True
        self.changed.set()
