"""Record the protocol bindings of the installed botocore in ``src/lakehose/gateway/bindings.json``.

The gateway serves a service in every protocol AWS answers for it, whichever botocore is
installed (``lakehose.gateway.catalog``). Shapes always come from the installed model; what a
protocol needs beyond them is recorded here, from the botocore generation that speaks it:

- ``json``: the ``targetPrefix`` and ``jsonVersion`` metadata;
- ``rest-json``: each operation's ``http`` binding and every member's ``location`` /
  ``locationName``.

Run it once under each generation; each run updates only the protocol its botocore speaks::

    python scripts/protocol_bindings.py
    PYTHONPATH=.clients/boto3-oldest python scripts/protocol_bindings.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.session

TARGET = Path(__file__).resolve().parents[1] / "src" / "lakehose" / "gateway" / "bindings.json"
# Services AWS serves in more protocols than one botocore release describes.
SERVICES = ("athena",)
_BINDING_KEYS = ("location", "locationName")


def bindings(model: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    metadata = model["metadata"]
    protocol = str(metadata["protocol"])
    if protocol == "json":
        kept = {key: metadata[key] for key in ("targetPrefix", "jsonVersion") if key in metadata}
        return protocol, {"metadata": kept}
    http = {name: operation["http"] for name, operation in sorted(model["operations"].items())}
    members: dict[str, dict[str, dict[str, str]]] = {}
    for shape_name, shape in sorted(model["shapes"].items()):
        for member_name, member in shape.get("members", {}).items():
            if "location" in member:
                bound = {key: member[key] for key in _BINDING_KEYS if key in member}
                members.setdefault(shape_name, {})[member_name] = bound
    return protocol, {"http": http, "members": members}


def main() -> int:
    loader = botocore.session.get_session().get_component("data_loader")
    recorded: dict[str, dict[str, Any]] = (
        json.loads(TARGET.read_text(encoding="utf-8")) if TARGET.exists() else {}
    )
    for service in SERVICES:
        protocol, found = bindings(loader.load_service_model(service, "service-2"))
        found["botocore"] = botocore.__version__
        recorded.setdefault(service, {})[protocol] = found
        print(f"{service}: recorded {protocol} from botocore {botocore.__version__}")
    TARGET.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
