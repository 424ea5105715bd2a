"""DynamoDB's AttributeValue JSON, as DynamoDB stores items and both of its streams carry them.

In JSON a binary value (``B``, the members of ``BS``) is a base64 string; on the way back to the
wire (where the gateway encodes ``bytes``) it must be bytes again, at any depth of ``M`` and ``L``.
"""

from __future__ import annotations

import base64
from typing import Any


def restore_binary(value: dict[str, Any]) -> None:
    """Turn the base64 strings of ``B`` / ``BS`` back into bytes, in place, at any depth."""
    kind, content = next(iter(value.items()))
    if kind == "B":
        value["B"] = base64.b64decode(content)
    elif kind == "BS":
        value["BS"] = [base64.b64decode(member) for member in content]
    elif kind == "M":
        for member in content.values():
            restore_binary(member)
    elif kind == "L":
        for member in content:
            restore_binary(member)
