"""What AssumeRoleWithWebIdentity reports about the token it was given, read but not verified.

lakehose trusts no identity provider and fetches no keys: a JWT's claims are read without
checking its signature, expiry or audience, and any other token (within the model's 4 to 20000
characters) is accepted with nothing to report. The answer's fields follow AWS:

- ``SubjectFromWebIdentityToken`` is the ``sub`` claim, ``Audience`` the ``aud`` claim (the first
  one when it is a list);
- ``Provider`` is the ``ProviderId`` the request gave (OAuth 2.0), else, for an OpenID Connect
  token, the ARN of the IAM OIDC provider of its ``iss`` in the role's account
  (``arn:aws:iam::<account>:oidc-provider/<issuer without https://>``), as AWS answers;
- ``SourceIdentity`` is the ``https://aws.amazon.com/source_identity`` claim.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from lakehose.services.sts.principals import Role

SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (``header.payload.signature``), or nothing for any other token."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):  # orjson.JSONDecodeError is a ValueError
        return {}
    return claims if isinstance(claims, dict) else {}


def token_fields(claims: dict[str, Any], provider_id: str | None, role: Role) -> dict[str, str]:
    """The answer's members that come from the token, for the members it has."""
    fields: dict[str, str] = {}
    if isinstance(subject := claims.get("sub"), str):
        fields["SubjectFromWebIdentityToken"] = subject
    audience = claims.get("aud")
    if isinstance(audience, list):
        audience = next((item for item in audience if isinstance(item, str)), None)
    if isinstance(audience, str):
        fields["Audience"] = audience
    issuer = claims.get("iss")
    if provider_id is not None:
        fields["Provider"] = provider_id
    elif isinstance(issuer, str) and issuer:
        host = issuer.removeprefix("https://")
        fields["Provider"] = f"arn:{role.partition}:iam::{role.account_id}:oidc-provider/{host}"
    if isinstance(source := claims.get(SOURCE_IDENTITY_CLAIM), str):
        fields["SourceIdentity"] = source
    return fields
