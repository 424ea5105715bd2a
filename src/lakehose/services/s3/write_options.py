"""The options a write (PutObject, CopyObject, CreateMultipartUpload) may carry besides its data.

Engine methods gather them with ``**options``; ``split`` sorts them into checksums, ACL, encryption
and tags, refuses SSE-C and anything else by name, and ``attributes`` of ``objects`` turns them
into what an object keeps.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from lakehose.services.s3 import acl, checksums, encryption
from lakehose.services.s3.base import refuse_unknown


@dataclass(frozen=True)
class WriteOptions:
    checksum_values: dict[str, Any]
    acl: dict[str, Any]
    sse: dict[str, Any]
    tagging: str | None


def split(options: Mapping[str, Any], *, also: Collection[str] = ()) -> WriteOptions:
    """Sort a write's options; ``also`` names further options the caller handles itself."""
    encryption.refuse_customer_keys(options)
    known = {
        *checksums.KEYWORDS,
        *acl.ACL_OPTIONS,
        *encryption.SSE_OPTIONS,
        *encryption.SSE_C_OPTIONS,
        "tagging",
        *also,
    }
    refuse_unknown(options, known)
    tagging = options.get("tagging")
    return WriteOptions(
        checksum_values={k: v for k, v in options.items() if k in checksums.KEYWORDS},
        acl={k: v for k, v in options.items() if k in acl.ACL_OPTIONS},
        sse={k: v for k, v in options.items() if k in encryption.SSE_OPTIONS},
        tagging=str(tagging) if tagging is not None else None,
    )
