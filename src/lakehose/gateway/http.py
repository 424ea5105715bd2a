"""Transport-neutral HTTP messages: what the ASGI server and the in-process hook both speak."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, overload
from urllib.parse import parse_qsl, unquote

_Default = TypeVar("_Default")


class Headers(Mapping[str, str]):
    """Case-insensitive header mapping that keeps the first spelling of each name."""

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in self._items:
                # Repeated headers join with a comma, as HTTP/1.1 allows.
                self._items[key] = (self._items[key][0], f"{self._items[key][1]},{value}")
            else:
                self._items[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    @overload
    def get(self, name: str, /) -> str | None: ...

    @overload
    def get(self, name: str, /, default: str | _Default) -> str | _Default: ...

    def get(self, name: str, /, default: object = None) -> object:
        # Mapping's own get goes through __getitem__ and a KeyError for every absent header;
        # the gateway asks for a dozen headers per request.
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items


@dataclass
class HttpRequest:
    """One request as it arrived: ``path`` and ``query`` are still percent-encoded."""

    method: str
    path: str
    query: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters (``; charset=UTF-8``), lower-cased."""
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    @property
    def decoded_path(self) -> str:
        return unquote(self.path)

    def query_items(self) -> list[tuple[str, str]]:
        """Query parameters in order, decoded; a bare ``?uploads`` yields ``("uploads", "")``."""
        if not self.query:
            return []  # most requests have none, and several steps ask
        return parse_qsl(self.query, keep_blank_values=True)

    def query_params(self) -> dict[str, list[str]]:
        params: dict[str, list[str]] = {}
        for name, value in self.query_items():
            params.setdefault(name, []).append(value)
        return params


# How long a reader of a streamed body waits before asking again when a chunk was empty.
STREAM_IDLE_SECONDS = 0.2


class StreamedBody(Protocol):
    """A response body sent as it is produced (an event stream), not held whole in memory.

    Iterating yields the chunks in order; an empty chunk means "nothing yet": the reader waits
    ``STREAM_IDLE_SECONDS`` and asks again. ``close()`` may be called from any thread, also while
    another thread is asking for a chunk, and ends the stream at its next chunk.
    """

    def __iter__(self) -> Iterator[bytes]: ...

    def __next__(self) -> bytes: ...

    def close(self) -> None: ...


@dataclass
class HttpResponse:
    """A response; ``body`` is held in memory (S3 objects included) unless ``stream`` is set,
    whose chunks are sent as they come, with no Content-Length."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: StreamedBody | None = None
