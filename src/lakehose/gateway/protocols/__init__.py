"""Wire protocols, each a parser and serializer driven by botocore's shapes."""

from __future__ import annotations

from lakehose.gateway.protocols.base import WireProtocol
from lakehose.gateway.protocols.json_rpc import JsonRpcProtocol

__all__ = ["PROTOCOLS", "JsonRpcProtocol", "WireProtocol", "protocol_for"]


def _implementations() -> dict[str, type[WireProtocol]]:
    from lakehose.gateway.protocols.rest_json import RestJsonProtocol
    from lakehose.gateway.protocols.rest_xml import RestXmlProtocol

    return {
        "json": JsonRpcProtocol,
        "rest-json": RestJsonProtocol,
        "rest-xml": RestXmlProtocol,
    }


# botocore ``metadata.protocol`` names (plus Kinesis's ``cbor``) lakehose speaks.
PROTOCOLS: tuple[str, ...] = tuple(_implementations())


def protocol_for(name: str) -> WireProtocol:
    """The protocol implementation for a botocore ``metadata.protocol`` value."""
    return _implementations()[name]()
