"""The OpenX JSON SerDe's rules (``org.openx.data.jsonserde.JsonSerDe``) that both readers share.

Athena reads OpenX JSON tables with Trino's ``openxjson`` decoder; Firehose's record format
conversion deserializes JSON with the same SerDe (developer guide, "Convert input data format";
the ``OpenXJsonSerDe`` API type). Both follow these rules, as Trino's
``OpenXJsonDeserializer`` implements them:

1. **Keys.** A struct field (or top-level column) is fed by the JSON key spelled like the field
   (its ``mapping.<field>`` / ``ColumnToJsonKeyMappings`` key when it has one), ignoring case
   unless ``case.insensitive`` / ``CaseInsensitive`` is false; of keys that differ only in case
   the later one wins. Only when no key matches, and ``dots.in.keys`` /
   ``ConvertDotsInJsonKeysToUnderscores`` is on and the field name has an ``_``, the first key
   that has dots and reads as the field name once its dots are underscores feeds it
   (``RowDecoder.decodeValueFromMap`` and ``FieldName.originalValueMatchesDottedFieldName``).
2. **Arrays.** An empty string is a NULL array; any other value that is not a JSON array is an
   array of that one element (``ArrayDecoder``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OpenXKeys", "array_items"]


@dataclass(frozen=True)
class OpenXKeys:
    """The SerDe options that decide which JSON key feeds which field."""

    case_insensitive: bool = True
    dots_in_keys: bool = False
    mappings: Mapping[str, str] = field(default_factory=dict)  # lower-case field -> JSON key

    @classmethod
    def from_serde(cls, parameters: Mapping[str, str]) -> OpenXKeys:
        """From a table's SerDe properties (``case.insensitive``, ``dots.in.keys``,
        ``mapping.<field>``), as Athena's "OpenX JSON SerDe" page lists them."""
        mappings = {
            name[len("mapping.") :].lower(): key
            for name, key in parameters.items()
            if name.lower().startswith("mapping.")
        }
        return cls(
            case_insensitive=serde_flag(parameters, "case.insensitive", True),
            dots_in_keys=serde_flag(parameters, "dots.in.keys", False),
            mappings=mappings,
        )

    def key_plan(self, keys: Sequence[str], names: Sequence[str]) -> list[str | None]:
        """For each field name, the key of an object with these keys that feeds it (None:
        no key does, the field is NULL)."""
        fold = str.lower if self.case_insensitive else str
        by_name: dict[str, str] = {}
        for key in keys:
            by_name[fold(key)] = key  # a later duplicate wins
        plan: list[str | None] = []
        for name in names:
            found = by_name.get(fold(self.mappings.get(name.lower(), name)))
            if found is None and self.dots_in_keys and "_" in name:
                wanted = fold(name)
                found = next(
                    (k for k in keys if "." in k and fold(k.replace(".", "_")) == wanted), None
                )
            plan.append(found)
        return plan


def serde_flag(parameters: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean SerDe property: ``true`` in any case is true, anything else false."""
    value = parameters.get(name)
    return default if value is None else value.strip().lower() == "true"


def array_items(value: Any) -> list[Any] | None:
    """The elements of a non-null JSON value read into an array column (None: a NULL array)."""
    if type(value) is list:
        return value
    if value == "":
        return None
    return [value]
