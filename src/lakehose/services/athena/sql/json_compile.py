"""The JSON reader's row builders, compiled: one Python function per table schema.

Walking a record through the builder objects costs a method call per struct level and field;
for the article's schema that is a dozen calls a record. ``compile_rows`` writes the same
walk out as straight-line code for the struct and scalar part of the schema (objects looked up
through the same key plans, values appended to the same lists), and leaves everything else to
the builders: arrays and maps, and any value that is not a JSON object where a struct is
expected (a JSON array, a blank string, an error). The result is identical by construction;
only the per-record overhead changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakehose.services.athena.sql.serde_json import Builder, RowBuilder, ScalarBuilder


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.count = 0

    def bind(self, prefix: str, value: Any) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.names[name] = value
        return name

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def null(self, builder: Builder, depth: int) -> None:
        """Code appending NULL to a builder (and to every field below a struct)."""
        if isinstance(builder, RowBuilder):
            self.emit(depth, f"{self.bind('n', builder.nulls.append)}(True)")
            for child in builder.children:
                self.null(child, depth)
        elif isinstance(builder, ScalarBuilder):
            self.emit(depth, f"{self.bind('a', builder.values.append)}(None)")
        else:
            self.emit(depth, f"{self.bind('b', builder)}.append_null()")

    def value(self, builder: Builder, variable: str, depth: int) -> None:
        """Code appending the non-null JSON value in ``variable``."""
        if isinstance(builder, RowBuilder):
            self.struct(builder, variable, depth)
        elif isinstance(builder, ScalarBuilder):
            append = self.bind("a", builder.values.append)
            convert = self.bind("f", builder.convert)
            if builder.hive_name == "string":  # text kept as is: skip the call
                self.emit(
                    depth,
                    f"{append}({variable} if type({variable}) is str else {convert}({variable}))",
                )
            else:
                self.emit(depth, f"{append}({convert}({variable}))")
        else:
            self.emit(depth, f"{self.bind('b', builder)}.append({variable})")

    def struct(self, builder: RowBuilder, variable: str, depth: int) -> None:
        row = self.bind("r", builder)
        plans = self.bind("p", builder.plans)
        plan = f"plan{self.count}"
        self.emit(depth, f"if type({variable}) is dict:")
        self.emit(depth + 1, f"keys = tuple({variable})")
        self.emit(depth + 1, f"{plan} = {plans}.get(keys) or {row}._plan(keys)")
        self.emit(depth + 1, f"{self.bind('n', builder.nulls.append)}(False)")
        for index, child in enumerate(builder.children):
            item = f"v{self.count}_{index}"
            self.emit(depth + 1, f"key = {plan}[{index}]")
            self.emit(depth + 1, f"{item} = None if key is None else {variable}[key]")
            self.emit(depth + 1, f"if {item} is None:")
            self.null(child, depth + 2)
            self.emit(depth + 1, "else:")
            self.value(child, item, depth + 2)
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{row}.append({variable})")


def compile_rows(root: RowBuilder) -> Callable[[Any], None]:
    """A function with the effect of ``root.append(value)``, for any non-null value."""
    writer = _Writer()
    writer.emit(0, "def append(value):")
    writer.struct(root, "value", 1)
    namespace: dict[str, Any] = dict(writer.names)
    exec("\n".join(writer.lines), namespace)
    compiled: Callable[[Any], None] = namespace["append"]
    return compiled
