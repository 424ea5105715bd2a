"""Wire protocols, each a parser and serializer driven by botocore's shapes."""

from __future__ import annotations

from lakehose.gateway.protocols.base import WireProtocol
from lakehose.gateway.protocols.json_rpc import JsonRpcProtocol

__all__ = ["PROTOCOLS", "JsonRpcProtocol", "WireProtocol", "protocol_for"]


def _implementations() -> dict[str, type[WireProtocol]]:
    from lakehose.gateway.protocols.cbor_rpc import CborRpcProtocol
    from lakehose.gateway.protocols.query import QueryProtocol
    from lakehose.gateway.protocols.rest_json import RestJsonProtocol
    from lakehose.gateway.protocols.rest_xml import RestXmlProtocol
    from lakehose.gateway.protocols.rpc_v2_cbor import RpcV2CborProtocol

    return {
        "json": JsonRpcProtocol,
        "rest-json": RestJsonProtocol,
        "rest-xml": RestXmlProtocol,
        "query": QueryProtocol,
        "cbor": CborRpcProtocol,
        "smithy-rpc-v2-cbor": RpcV2CborProtocol,
    }


# botocore ``metadata.protocol`` names (plus Kinesis's ``cbor``) lakehose speaks.
PROTOCOLS: tuple[str, ...] = tuple(_implementations())


def protocol_for(name: str) -> WireProtocol:
    """The protocol implementation for a botocore ``metadata.protocol`` value."""
    return _implementations()[name]()
