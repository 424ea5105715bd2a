"""The ASGI interface's types, as the edge modules use them (``asgi``, ``limits``, ``http2``).

Declared here rather than taken from a web framework: the gateway is a bare ASGI callable, and
the only server it runs under is uvicorn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
