"""Partition projection: partitions computed from table properties instead of read from Glue.

``TBLPROPERTIES ('projection.enabled'='true', 'projection.<col>.type'=...)``, per column:

* ``enum``: ``values`` "a,b,c";
* ``integer``: ``range`` "min,max", ``interval`` (1), ``digits`` (zero-padded width);
* ``date``: ``range`` "start,end" in ``format`` (a java.time pattern) or relative to now
  (``NOW``, ``NOW-3YEARS``, ``NOW+1HOURS``), ``interval`` (1), ``interval.unit`` (default: the
  finest unit the format shows);
* ``injected``: no domain; the query's WHERE must give the values by equality.

``storage.location.template`` (``s3://b/p/${col}/``) places each partition; without it the
Hive layout ``<table location>/col=value/`` is used. Values a WHERE clause fixes by equality
(or IN) replace the column's domain before enumeration, so ``WHERE datehour = '2024/01/02/03'``
does not enumerate three years of hours; the remaining conditions are evaluated afterwards.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lakehose.services.athena.sql.datetime_patterns import (
    UnsupportedPattern,
    java_format,
    java_parse,
    smallest_unit,
)
from lakehose.services.athena.sql.errors import (
    HIVE_EXCEEDED_PARTITION_LIMIT,
    INVALID_TABLE_PROPERTY,
    QueryFailed,
)
from lakehose.services.athena.sql.files import Location

# Athena refuses a projected query that could read more partitions than this.
PARTITION_LIMIT = 1_000_000
_RELATIVE = re.compile(r"NOW(?:\s*([+-])\s*(\d+)\s*([A-Z]+?)S?)?", re.IGNORECASE)
_UNIT_SECONDS = {"WEEK": 7 * 86400, "DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}


def _invalid(text: str) -> QueryFailed:
    return QueryFailed(INVALID_TABLE_PROPERTY, text)


@dataclass(frozen=True)
class ProjectedColumn:
    name: str
    kind: str  # enum | integer | date | injected
    properties: Mapping[str, str]

    def prop(self, name: str, default: str | None = None) -> str:
        value = self.properties.get(f"projection.{self.name}.{name}", default)
        if value is None:
            raise _invalid(f"Missing table property projection.{self.name}.{name}")
        return value.strip()

    def domain(self, now: datetime) -> list[str]:
        """Every value of the column, in order."""
        if self.kind == "enum":
            return [v.strip() for v in self.prop("values").split(",")]
        if self.kind == "integer":
            low, high = self._integer_range()
            step = int(self.prop("interval", "1"))
            return [self._integer_text(v) for v in range(low, high + 1, step)]
        if self.kind == "date":
            return [java_format(moment, self.prop("format")) for moment in self._dates(now)]
        raise QueryFailed(
            HIVE_EXCEEDED_PARTITION_LIMIT,
            f"For the injected projected partition column {self.name}, the WHERE clause must "
            "contain only static equality conditions, and at least one such condition must be "
            "present.",
        )

    def admits(self, value: str, now: datetime) -> bool:
        """Whether a value a WHERE clause names is one of the column's values."""
        if self.kind == "injected":
            return True
        if self.kind == "integer":
            low, high = self._integer_range()
            step = int(self.prop("interval", "1"))
            try:
                number = int(value)
            except ValueError:
                return False
            in_range = low <= number <= high and (number - low) % step == 0
            return in_range and self._integer_text(number) == value
        if self.kind == "date":
            moment = java_parse(value, self.prop("format"))
            return moment is not None and moment in set(self._dates(now))
        return value in self.domain(now)

    def _integer_range(self) -> tuple[int, int]:
        try:
            low, high = (int(v) for v in self.prop("range").split(","))
        except ValueError:
            raise _invalid(f"Invalid projection.{self.name}.range") from None
        return low, high

    def _integer_text(self, value: int) -> str:
        digits = self.properties.get(f"projection.{self.name}.digits")
        return f"{value:0{int(digits)}d}" if digits else str(value)

    def _dates(self, now: datetime) -> Iterator[datetime]:
        pattern = self.prop("format")
        try:
            bounds = self.prop("range").split(",")
            start, end = (self._date_bound(v.strip(), pattern, now) for v in bounds)
        except ValueError:
            raise _invalid(f"Invalid projection.{self.name}.range") from None
        step = int(self.prop("interval", "1"))
        unit = self.prop("interval.unit", smallest_unit(pattern)).upper().rstrip("S")
        moment, count = start, 0
        while moment <= end:
            yield moment
            count += 1
            if count > PARTITION_LIMIT:
                return
            moment = _step(moment, step, unit)

    @staticmethod
    def _date_bound(text: str, pattern: str, now: datetime) -> datetime:
        relative = _RELATIVE.fullmatch(text)
        if relative:
            if not relative.group(1):
                return now
            amount = int(relative.group(2)) * (1 if relative.group(1) == "+" else -1)
            return _step(now, amount, relative.group(3).upper())
        try:
            parsed = java_parse(text, pattern)
        except UnsupportedPattern as error:
            raise ValueError(str(error)) from None
        if parsed is None:
            raise ValueError(text)
        return parsed


def _step(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in ("YEAR", "MONTH"):
        months = moment.month - 1 + amount * (12 if unit == "YEAR" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    if unit == "MILLISECOND":
        return moment + timedelta(milliseconds=amount)
    if unit not in _UNIT_SECONDS:
        raise ValueError(f"unknown interval unit {unit}")
    return moment + timedelta(seconds=amount * _UNIT_SECONDS[unit])


@dataclass(frozen=True)
class Projection:
    """A table's projection settings."""

    columns: tuple[ProjectedColumn, ...]
    template: str | None
    table_location: Location

    @classmethod
    def of_table(
        cls, parameters: Mapping[str, str], keys: Sequence[str], table_location: Location
    ) -> Projection | None:
        if parameters.get("projection.enabled", "").strip().lower() != "true":
            return None
        columns = []
        for key in keys:
            kind = parameters.get(f"projection.{key}.type")
            if kind is None or kind.strip().lower() not in ("enum", "integer", "date", "injected"):
                raise _invalid(f"Column {key} is missing a valid projection.{key}.type")
            columns.append(ProjectedColumn(key, kind.strip().lower(), parameters))
        return cls(tuple(columns), parameters.get("storage.location.template"), table_location)

    def partitions(
        self, fixed: Mapping[str, Sequence[str]], now: datetime, table: str
    ) -> Iterator[tuple[str, ...]]:
        """Candidate value tuples: a column's fixed values where the WHERE gives them, else
        its whole domain."""
        choices: list[list[str]] = []
        for column in self.columns:
            if column.name in fixed:
                values = [v for v in dict.fromkeys(fixed[column.name]) if column.admits(v, now)]
            else:
                values = column.domain(now)
            choices.append(values)
        total = 1
        for values in choices:
            total *= len(values)
        if total > PARTITION_LIMIT:
            raise QueryFailed(
                HIVE_EXCEEDED_PARTITION_LIMIT,
                f"Query over table '{table}' can potentially read more than "
                f"{PARTITION_LIMIT} partitions",
            )
        return itertools.product(*choices)

    def location(self, values: Sequence[str]) -> Location:
        if self.template is None:
            relative = "/".join(f"{c.name}={v}" for c, v in zip(self.columns, values, strict=False))
            return self.table_location.child(relative)
        uri = self.template
        for column, value in zip(self.columns, values, strict=False):
            uri = uri.replace("${" + column.name + "}", value)
        return Location.parse(uri)
