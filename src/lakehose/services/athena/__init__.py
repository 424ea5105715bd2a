"""Amazon Athena, reproduced: see ``engine.AthenaEngine``.

The engine is imported on first use, not with the package, so that the SQL engine's modules
(``sql``, ``ports``) can be imported on their own without loading the API engine over them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakehose.services.athena.engine import AthenaEngine

__all__ = ["AthenaEngine"]


def __getattr__(name: str) -> Any:
    if name == "AthenaEngine":
        from lakehose.services.athena.engine import AthenaEngine

        return AthenaEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
