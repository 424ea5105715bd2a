"""The account and region a request acts in, read from its signature.

The region is the signature's credential scope (an unsigned request gets the configured one); a
scope that is not shaped like an AWS region is refused as AWS and the other emulators refuse it
(moto, LocalStack without ``ALLOW_NONSTANDARD_REGIONS``): S3 with
``AuthorizationHeaderMalformed``, every other service with ``InvalidSignatureException``. The
account is the access key id when it is twelve digits, else the configured account.
"""

from __future__ import annotations

from lakehose.errors import ServiceError
from lakehose.gateway.sigv4 import SignatureInfo
from lakehose.scopes import Scope, account_for_key, is_region
from lakehose.settings import Settings


def request_scope(signature: SignatureInfo, settings: Settings, protocol: str) -> Scope:
    region = signature.region or settings.region
    if not is_region(region):
        raise _invalid_region(region, settings.region, protocol)
    return Scope(account_for_key(signature.access_key_id, settings.account_id), region)


def _invalid_region(region: str, expected: str, protocol: str) -> ServiceError:
    if protocol == "rest-xml":
        message = (
            f"The authorization header is malformed; the region '{region}' is wrong; "
            f"expecting '{expected}'"
        )
        return ServiceError(
            message, code="AuthorizationHeaderMalformed", status=400, fields={"Region": expected}
        )
    # Lambda's REST front end answers signature failures with 403, JSON-RPC services with 400.
    status = 403 if protocol == "rest-json" else 400
    message = f"Credential should be scoped to a valid region, not '{region}'. "
    return ServiceError(message, code="InvalidSignatureException", status=status)
