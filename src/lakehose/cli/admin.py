"""Signed requests to a server's admin endpoints (``/_lakehose/<action>``), and what it exposes.

Every admin endpoint but ``GET health`` changes state, so the server accepts it only SigV4-signed
(as it does every API call): a page in the browser cannot add an ``Authorization`` header. The
signature is made with botocore's own signer, for the service name ``lakehose``, with the
configured credentials, or with any key when the server checks none.
"""

from __future__ import annotations

import ipaddress
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from lakehose.settings import Credentials, Settings

# Must equal the name the gateway verifies admin signatures for (dispatcher.ADMIN_SIGNING_NAME).
SIGNING_NAME = "lakehose"
_ANY_KEY = Credentials("lakehose", "lakehose")


def signed_headers(
    method: str,
    url: str,
    body: bytes = b"",
    *,
    region: str,
    credentials: Credentials | None = None,
    service: str = SIGNING_NAME,
) -> dict[str, str]:
    """The headers, ``Authorization`` included, that sign ``method url`` with SigV4."""
    keys = credentials or _ANY_KEY
    request = AWSRequest(method=method, url=url, data=body)
    signer = SigV4Auth(BotoCredentials(keys.access_key_id, keys.secret_access_key), service, region)
    signer.add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


def admin_request(
    endpoint: str, method: str, action: str, settings: Settings
) -> urllib.request.Request:
    """``method /_lakehose/<action>`` on ``endpoint``, signed when the endpoint requires it."""
    url = f"{endpoint.rstrip('/')}/_lakehose/{action}"
    if method == "GET" and action == "health":
        return urllib.request.Request(url, method=method)
    headers = signed_headers(method, url, region=settings.region, credentials=settings.credentials)
    return urllib.request.Request(url, method=method, data=b"", headers=headers)


def network_warning(host: str, port: int, settings: Settings) -> str | None:
    """What binding ``host`` exposes, for anything but a loopback interface; else ``None``."""
    if host == "localhost" or _loopback(host):
        return None
    where = (
        "every network interface of this machine"
        if host in ("0.0.0.0", "::", "")
        else f"the interface {host}"
    )
    keys = (
        "only requests signed with LAKEHOSE_ACCESS_KEY_ID are served"
        if settings.credentials is not None
        else "no credentials are configured, so a request signed with any key is served"
    )
    return (
        f"warning: lakehose is listening on {where}, port {port}: anyone on a network that "
        f"reaches it can read and change all its data and run Lambda code on this machine; "
        f"{keys}. Browsers elsewhere are refused unless their host name or origin is allowed "
        "(--allow-host, --allow-origin). Use --host 127.0.0.1 to serve this machine only."
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
