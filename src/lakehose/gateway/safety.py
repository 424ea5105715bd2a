"""The browser-facing edge of ``lakehose up``: which Host and Origin a request may carry, and CORS.

lakehose listens on the developer's machine, where a browser runs pages from anywhere. Two
browser attacks reach a local server without any bug in it:

* **DNS rebinding**: a page on ``evil.example`` re-points its own name at 127.0.0.1; the browser
  then treats the local server as same-origin with the page, which can read every answer. The
  request still says ``Host: evil.example:4566``; refusing every Host that is not one of this
  server's own names stops it.
* **Cross-site requests**: any page can make the browser send a form POST or an ``<img>`` GET to
  ``localhost``. A browser labels them: ``Origin`` on every POST and every CORS request, and
  ``Sec-Fetch-Site: cross-site`` (Fetch Metadata) on every request another site starts. Requests
  from an origin outside the allow-list are refused; cross-site requests without an allowed
  Origin are refused too, except top-level navigations (a link the user follows).

Checks happen on the request line and headers, before a byte of the body is read, and a refused
request never reaches the gateway. Allowed by default: loopback names (``localhost``,
``*.localhost``, 127.0.0.0/8, ``::1``) and the address the connection arrived at (the bound
address), with any port; plus the ``allowed_hosts`` setting: exact names, ``*.suffix`` for
subdomains, ``.suffix`` for a name and its subdomains, or ``*`` for any. Origins: http(s) origins
on loopback names, the server's own origin, and the ``allowed_origins`` setting (exact origins, or
``*``). Requests from allowed origins get CORS answers, so the AWS SDK for JavaScript works in a
page served from localhost.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.settings import Settings

# What browsers may read of an answer: the ids, checksums and metadata the SDKs parse.
EXPOSED_HEADERS = (
    "content-length",
    "content-range",
    "content-encoding",
    "etag",
    "date",
    "last-modified",
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amzn-errormessage",
    "x-amz-request-id",
    "x-amz-id-2",
    "x-amz-crc32",
    "x-amz-version-id",
    "x-amz-delete-marker",
    "x-amz-bucket-region",
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "x-amz-checksum-type",
    "x-amz-server-side-encryption",
    "x-amz-storage-class",
    "x-amz-mp-parts-count",
    "x-amz-tagging-count",
    "x-amz-function-error",
    "x-amz-log-result",
    "x-amz-executed-version",
)
ALLOWED_METHODS = "GET, HEAD, PUT, POST, DELETE, PATCH"
# DynamoDB's own preflight answer carries this max age; browsers cap it lower (Chrome: 2 h).
MAX_AGE_SECONDS = 172800
_WILDCARD_BIND = frozenset({"0.0.0.0", "::", ""})
_TOKEN_LIST = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*")
_SHOWN = 80  # characters of a refused Host or Origin echoed back


def host_name(value: str) -> str:
    """The lower-cased name of a ``Host`` value without port, brackets or trailing dot."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, _ = value[1:].partition("]")
        return name if bracket else ""
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def is_loopback(name: str) -> bool:
    """``localhost``, a ``*.localhost`` name (RFC 6761: always loopback), or a loopback IP."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


class EdgePolicy:
    """Host, Origin and Fetch Metadata checks plus CORS answers for one server's settings."""

    def __init__(self, settings: Settings) -> None:
        self._own = {host_name(settings.host)} - _WILDCARD_BIND
        patterns = [entry.strip().lower() for entry in settings.allowed_hosts if entry.strip()]
        self._any_host = "*" in patterns
        self._exact = {host_name(p) for p in patterns if not p.startswith(("*.", "."))}
        self._subdomains = tuple(p[1:] for p in patterns if p.startswith("*."))
        self._domains = tuple(p for p in patterns if p.startswith("."))
        origins = [entry.strip().lower().rstrip("/") for entry in settings.allowed_origins]
        self._any_origin = "*" in origins
        self._origins = set(origins)

    # -- checks -----------------------------------------------------------------------------

    def refusal(
        self, request: HttpRequest, local_address: str | None = None
    ) -> HttpResponse | None:
        """A 403 answer for a request this server must not serve, else ``None``.

        ``local_address`` is the address the connection arrived at: a name the client used to
        reach this very socket is one of the server's own names.
        """
        host = request.host
        if not self.host_allowed(host_name(host), local_address):
            return _forbidden(
                f"lakehose does not serve the host {_shown(host)}: it is not a name of this "
                "server. Allow it with --allow-host or LAKEHOSE_ALLOWED_HOSTS."
            )
        origin = request.headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, host):
            return _forbidden(
                f"lakehose does not serve pages from the origin {_shown(origin)}. "
                "Allow it with --allow-origin or LAKEHOSE_ALLOWED_ORIGINS."
            )
        if origin is None and _cross_site_subresource(request):
            return _forbidden(
                "lakehose does not serve requests that pages of other sites start "
                "(Sec-Fetch-Site: cross-site)."
            )
        return None

    def host_allowed(self, name: str, local_address: str | None = None) -> bool:
        if not name:
            return False
        if is_loopback(name) or name in self._own or self._any_host or name in self._exact:
            return True
        if local_address is not None and name == host_name(local_address):
            return True
        return name.endswith(self._subdomains) or any(
            name == domain[1:] or name.endswith(domain) for domain in self._domains
        )

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Loopback pages, this server's own pages and the configured origins."""
        normalized = origin.strip().lower().rstrip("/")
        if self._any_origin or normalized in self._origins:
            return True
        try:
            parts = urlsplit(normalized)
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        return is_loopback(parts.hostname) or parts.netloc == host.strip().lower()

    # -- CORS -------------------------------------------------------------------------------

    @staticmethod
    def preflight(request: HttpRequest) -> HttpResponse | None:
        """The answer to a CORS preflight from an allowed origin (``refusal`` ran first)."""
        headers = request.headers
        origin = headers.get("origin")
        method = headers.get("access-control-request-method")
        if request.method != "OPTIONS" or origin is None or method is None:
            return None
        answer = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
            "Access-Control-Expose-Headers": ", ".join(EXPOSED_HEADERS),
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            "Content-Length": "0",
        }
        requested = headers.get("access-control-request-headers", "").strip()
        if requested and _TOKEN_LIST.fullmatch(requested):
            answer["Access-Control-Allow-Headers"] = requested
        if headers.get("access-control-request-private-network", "").lower() == "true":
            # Chrome's Private Network Access: a configured public origin calling localhost.
            answer["Access-Control-Allow-Private-Network"] = "true"
        return HttpResponse(200, answer, b"")

    @staticmethod
    def add_cors_headers(request: HttpRequest, response: HttpResponse) -> None:
        """Let the page of an allowed Origin read ``response`` and its headers."""
        origin = request.headers.get("origin")
        if origin is None:
            return
        present = Headers(response.headers)
        exposed = dict.fromkeys([*EXPOSED_HEADERS, *(name.lower() for name in present)])
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = ", ".join(exposed)
        vary = [v for v in (present.get("vary"), "Origin") if v]
        for name in list(response.headers):
            if name.lower() == "vary":
                del response.headers[name]
        response.headers["Vary"] = ", ".join(vary)


def _cross_site_subresource(request: HttpRequest) -> bool:
    """A request another site's page started, other than following a link (Fetch Metadata)."""
    headers = request.headers
    if headers.get("sec-fetch-site", "").lower() != "cross-site":
        return False
    navigation = headers.get("sec-fetch-mode", "").lower() == "navigate"
    embedded = headers.get("sec-fetch-dest", "").lower() in ("object", "embed")
    return not (navigation and request.method in ("GET", "HEAD") and not embedded)


def _forbidden(message: str) -> HttpResponse:
    body = (message + "\n").encode()
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": str(len(body)),
        "X-Content-Type-Options": "nosniff",
    }
    return HttpResponse(403, headers, body)


def _shown(value: str) -> str:
    """A header value safe to echo in a plain-text answer: printable ASCII, bounded."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in value[:_SHOWN])
    return repr(printable + ("..." if len(value) > _SHOWN else ""))
