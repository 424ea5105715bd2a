"""Wire protocols, each a parser and serializer driven by botocore's shapes."""

from lakehose.gateway.protocols.base import WireProtocol
from lakehose.gateway.protocols.json_rpc import JsonRpcProtocol

__all__ = ["JsonRpcProtocol", "WireProtocol", "protocol_for"]


def protocol_for(name: str) -> WireProtocol:
    """The protocol implementation for a botocore ``metadata.protocol`` value."""
    from lakehose.gateway.protocols.rest_json import RestJsonProtocol
    from lakehose.gateway.protocols.rest_xml import RestXmlProtocol

    protocols: dict[str, type[WireProtocol]] = {
        "json": JsonRpcProtocol,
        "rest-json": RestJsonProtocol,
        "rest-xml": RestXmlProtocol,
    }
    return protocols[name]()
