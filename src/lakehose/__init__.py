"""lakehose: the AWS change-data pipeline as an embedded, durable Python runtime.

``Lakehose(home=...)`` runs DynamoDB, Kinesis, Firehose, S3, Lambda, Glue and Athena engines on a
state directory; ``Lakehose.client(name)`` returns a boto3 client wired to them in-process, and
``lakehose up`` serves the same gateway on a loopback port.

Both names load on first use, so ``import lakehose`` costs next to nothing and the gateway, which
reads ``__version__``, never loads the runtime that composes it.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakehose.runtime import Lakehose

    __version__: str

__all__ = ["Lakehose", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Lakehose":
        from lakehose.runtime import Lakehose

        globals()["Lakehose"] = Lakehose
        return Lakehose
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("lakehose")
        except PackageNotFoundError:  # running from a source tree that was not installed
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
