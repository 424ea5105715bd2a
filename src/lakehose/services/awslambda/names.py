"""How requests name a function: a name, a partial ARN or a full ARN, optionally qualified.

Lambda accepts, wherever a ``FunctionName`` is expected::

    my-function                                              name
    my-function:$LATEST                                      name with qualifier
    123456789012:function:my-function                        partial ARN
    arn:aws:lambda:us-east-1:123456789012:function:my-function[:qualifier]

The qualifier is ``$LATEST``, a published version's number or an alias's name; whether it
exists is the engine's to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehose.arns import build_arn
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
)

LATEST = "$LATEST"

_REFERENCE = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:)?"
    r"(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?"
    r"(?:function:)?"
    r"(?P<name>[a-zA-Z0-9-_.]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?"
)


@dataclass(frozen=True)
class FunctionRef:
    """A parsed ``FunctionName``: the bare name plus what the ARN form added."""

    name: str
    qualifier: str | None
    region: str | None
    account_id: str | None

    @property
    def is_bare_name(self) -> bool:
        return self.region is None and self.account_id is None and self.qualifier is None


def parse_reference(text: str) -> FunctionRef | None:
    found = _REFERENCE.fullmatch(text)
    if found is None:
        return None
    return FunctionRef(
        found.group("name"), found.group("qualifier"), found.group("region"), found.group("account")
    )


def function_arn(region: str, account_id: str, name: str, qualifier: str | None = None) -> str:
    arn = build_arn("lambda", region, account_id, f"function:{name}")
    return f"{arn}:{qualifier}" if qualifier else arn


class FunctionNames:
    """Resolves references against the region and account the engine serves."""

    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account_id = account_id

    def arn(self, name: str, qualifier: str | None = None) -> str:
        return function_arn(self.region, self.account_id, name, qualifier)

    def resolve(self, reference: str, qualifier: str | None = None) -> tuple[str, str | None]:
        """The function name and the effective qualifier (``None`` when none is given).

        Raises ``ResourceNotFoundException`` for another region or another account, and
        ``InvalidParameterValueException`` when the ARN's qualifier and ``Qualifier`` differ.
        """
        parsed = parse_reference(reference)
        if parsed is None:
            # The model's pattern is checked by the gateway; an engine caller can still get here.
            raise ResourceNotFoundException.function(self.arn(reference))
        if parsed.region is not None and parsed.region != self.region:
            raise ResourceNotFoundException.region(parsed.region, self.region)
        if qualifier and parsed.qualifier and qualifier != parsed.qualifier:
            raise InvalidParameterValueException.qualifier_mismatch()
        effective = qualifier or parsed.qualifier
        if parsed.account_id is not None and parsed.account_id != self.account_id:
            arn = function_arn(self.region, parsed.account_id, parsed.name, effective)
            raise ResourceNotFoundException.function(arn)
        return parsed.name, effective
