"""Temporary credentials as STS issues them: ``ASIA`` key ids, 40-character secrets, tokens.

The values only have AWS's shapes (SDKs and tools check prefixes and lengths, never contents);
they are random, from the runtime's seedable ``IdGenerator``.
"""

from __future__ import annotations

import base64

from lakehose.ids import IdGenerator
from lakehose.services.sts.principals import Identity
from lakehose.services.sts.store import Session

ACCESS_KEY_PREFIX = "ASIA"  # temporary keys; long-term ones start with AKIA
_KEY_ID_LENGTH = 16
_SECRET_BYTES = 30  # 40 base64 characters, the length of every AWS secret access key
_TOKEN_BYTES = 300


def new_session(ids: IdGenerator, identity: Identity, expires: float) -> Session:
    return Session(
        access_key_id=ACCESS_KEY_PREFIX + ids.alphanumeric(_KEY_ID_LENGTH),
        secret_access_key=_random_base64(ids, _SECRET_BYTES),
        session_token=_random_base64(ids, _TOKEN_BYTES),
        user_id=identity.user_id,
        account_id=identity.account_id,
        arn=identity.arn,
        expires=expires,
    )


def credentials_document(session: Session) -> dict[str, object]:
    """The ``Credentials`` member of AssumeRole's answers."""
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": session.expires,
    }


def _random_base64(ids: IdGenerator, size: int) -> str:
    return base64.b64encode(bytes.fromhex(ids.hex(2 * size))).decode("ascii")
