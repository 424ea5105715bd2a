"""lakehose: the AWS change-data pipeline as an embedded, durable Python runtime.

``Lakehose(home=...)`` runs DynamoDB, Kinesis, Firehose, S3, Lambda, Glue and Athena engines on a
state directory; ``Lakehose.client(name)`` returns a boto3 client wired to them in-process, and
``lakehose up`` serves the same gateway on a loopback port.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lakehose")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

from lakehose.runtime import Lakehose

__all__ = ["Lakehose", "__version__"]
