"""Which service and operation a request is for.

JSON-RPC services (DynamoDB, Kinesis, Firehose, Glue, Athena) name the operation in
``X-Amz-Target``. REST services (Lambda, S3) are matched against the ``requestUri`` templates of
their models: the method must agree, the path must fit the template, and every query key the
template requires (``?uploads``, ``?list-type=2``) must be present, and so must every header the
operation requires (S3's ``CopyObject`` is ``PutObject``'s URI plus ``x-amz-copy-source``). Among
several matches the most specific wins: more required query keys and headers, then more literal
characters, and a current operation before a deprecated one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Route:
    """A resolved request: the operation and the URI labels taken from the path (decoded)."""

    operation: OperationModel
    uri_params: dict[str, str]


@dataclass(frozen=True)
class _Template:
    operation: OperationModel
    method: str
    regex: str
    labels: tuple[str, ...]
    required_query: tuple[tuple[str, str | None], ...]
    required_headers: tuple[str, ...]
    literal_length: int

    @property
    def specificity(self) -> tuple[int, int]:
        return (len(self.required_query) + len(self.required_headers), self.literal_length)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        # Compiled when first tried: S3's and Lambda's hundreds of templates took a fifth of a
        # second to compile at start, and most are never asked for.
        return re.compile(self.regex)


class RestRouter:
    """Matches method + path + query against one REST service's ``requestUri`` templates."""

    def __init__(self, model: ServiceModel) -> None:
        # Where a deprecated operation shares its route with its successor (S3's
        # GetBucketLifecycle and GetBucketLifecycleConfiguration), the successor is meant.
        self._templates = sorted(
            (_compile(model.operation_model(name)) for name in model.operation_names),
            key=lambda t: (*t.specificity, not t.operation.deprecated),
            reverse=True,
        )
        # Most specific first within each method, so a request is tried only against its own.
        self._by_method: dict[str, list[_Template]] = {}
        for template in self._templates:
            self._by_method.setdefault(template.method, []).append(template)

    def match(
        self, method: str, path: str, query: str, headers: Mapping[str, str] | None = None
    ) -> Route | None:
        """``path`` is percent-encoded as received; labels come back decoded."""
        keys = dict(parse_qsl(query, keep_blank_values=True))
        present = {name.lower() for name in headers or {}}
        for template in self._by_method.get(method, ()):
            found = template.pattern.fullmatch(path)
            if found is None:
                continue
            if not all(
                key in keys and (value is None or keys[key] == value)
                for key, value in template.required_query
            ):
                continue
            if not all(header in present for header in template.required_headers):
                continue
            params = {
                label: unquote(found.group(f"l{i}")) for i, label in enumerate(template.labels)
            }
            return Route(template.operation, params)
        return None

    def first_segments(self) -> set[str]:
        """Literal first path segments of all templates (``2015-03-31`` for Lambda)."""
        segments = set()
        for template in self._templates:
            text = template.operation.http["requestUri"].split("?")[0].lstrip("/")
            first = text.split("/")[0]
            if first and "{" not in first:
                segments.add(first)
        return segments


def _compile(operation: OperationModel) -> _Template:
    uri: str = operation.http["requestUri"]
    path, _, query = uri.partition("?")
    labels: list[str] = []
    regex = ""
    position = 0
    literal_length = 0
    for found in _LABEL.finditer(path):
        literal = path[position : found.start()]
        regex += re.escape(literal)
        literal_length += len(literal)
        name = found.group(1)
        greedy = name.endswith("+")
        labels.append(name.rstrip("+"))
        # Greedy labels (S3 keys) span slashes; plain labels stop at one.
        regex += f"(?P<l{len(labels) - 1}>.+)" if greedy else f"(?P<l{len(labels) - 1}>[^/]+)"
        position = found.end()
    tail = path[position:]
    literal_length += len(tail)
    regex += re.escape(tail)
    # Paths like "/{Bucket}" also accept a trailing slash, as S3 does.
    if not regex.endswith("/"):
        regex += "/?"
    required: tuple[tuple[str, str | None], ...] = tuple(
        (key, value if has_value else None)
        for key, has_value, value in (
            (part.partition("=")[0], "=" in part, part.partition("=")[2])
            for part in query.split("&")
            if part
        )
    )
    required_headers = tuple(name.lower() for name in _required_located(operation, "header"))
    # Required query members (UploadPart's partNumber, uploadId) tell operations apart too.
    required += tuple(
        (name, None)
        for name in _required_located(operation, "querystring")
        if name not in {key for key, _ in required}
    )
    return _Template(
        operation=operation,
        method=operation.http["method"],
        regex=regex,
        labels=tuple(labels),
        required_query=required,
        required_headers=required_headers,
        literal_length=literal_length,
    )


def _required_located(operation: OperationModel, location: str) -> list[str]:
    """Wire names of the required input members bound to ``location``."""
    shape = operation.input_shape
    if shape is None:
        return []
    return [
        shape.members[name].serialization["name"]
        for name in shape.required_members
        if shape.members[name].serialization.get("location") == location
    ]
