"""Every documented example of ``fixtures/trino_functions.txt`` through the SQL engine: the
rows, the Trino type of each column and the errors, one case at a time."""

from __future__ import annotations

import pytest

from lakehose.services.athena.sql import QueryFailed
from tests.athena.sql.conftest import Lake
from tests.athena.sql.trino_fixtures import Case, load

CASES = load()


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=case.known, strict=True)] if case.known else []
    return pytest.param(case, id=case.name, marks=marks)


def test_the_fixture_holds_hundreds_of_documented_cases() -> None:
    assert len(CASES) >= 300
    assert all(c.source.startswith("https://trino.io/docs/current/") for c in CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_documented_example(lake: Lake, case: Case) -> None:
    if case.error is not None:
        name, _, text = case.error.partition(": ")
        with pytest.raises(QueryFailed) as raised:
            lake.run(case.query)
        assert raised.value.error_name == name, raised.value.message
        assert text in raised.value.message
        return
    outcome = lake.run(case.query)
    assert [c.type for c in outcome.columns] == case.types
    assert outcome.rows == case.rows
