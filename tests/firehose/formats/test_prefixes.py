"""Prefix expressions: rendering, the default-prefix rules, validation and object names."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakehose.services.firehose import prefixes
from lakehose.services.firehose.errors import InvalidArgumentException
from lakehose.services.firehose.partitioning import PartitionKeyError

ARTICLE = (
    "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
INSTANT = datetime(2023, 3, 22, 19, 56, 18, tzinfo=UTC)


def _fixed(value: str = "RANDOMSTRNG") -> str:
    return value


def render(prefix: str | None, *, time_zone: str | None = None, **keys: str) -> str:
    return prefixes.render_prefix(
        prefix, instant=INSTANT, time_zone=time_zone, random_string=_fixed, partition_keys=keys
    )


def render_error(error_prefix: str | None, prefix: str | None, kind: str = "processing-failed"):
    return prefixes.render_error_prefix(
        error_prefix,
        prefix,
        error_output_type=kind,
        instant=INSTANT,
        time_zone=None,
        random_string=_fixed,
    )


def test_the_articles_prefix() -> None:
    assert render(ARTICLE) == "data/year=2023/month=03/day=22/hour=19/"


def test_the_article_object_key_layout() -> None:
    name = prefixes.object_name("heartrate-firehose", 1, INSTANT, "3b1f6c1e-8a5d")
    assert render(ARTICLE) + name + ".gz" == (
        "data/year=2023/month=03/day=22/hour=19/"
        "heartrate-firehose-1-2023-03-22-19-56-18-3b1f6c1e-8a5d.gz"
    )


def test_quoted_literals_inside_a_timestamp_expression() -> None:
    pattern = "my/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/"
    assert render(pattern) == "my/year=2023/month=03/day=22/hour=19/"


def test_week_based_year_differs_from_year_at_the_turn_of_the_year() -> None:
    new_year = datetime(2018, 12, 30, 12, tzinfo=UTC)
    both = "!{timestamp:YYYY}-!{timestamp:yyyy}/"
    rendered = prefixes.render_prefix(both, instant=new_year, time_zone=None, random_string=_fixed)
    assert rendered == "2019-2018/"


def test_custom_time_zone_moves_the_date() -> None:
    assert render(ARTICLE, time_zone="Asia/Tokyo") == "data/year=2023/month=03/day=23/hour=04/"
    assert render(None, time_zone="America/New_York") == "2023/03/22/15/"


def test_unknown_time_zone_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentException):
        render(ARTICLE, time_zone="Mars/Olympus")


def test_each_random_string_occurrence_is_fresh() -> None:
    counter = itertools.count()
    rendered = prefixes.render_prefix(
        "a/!{firehose:random-string}/!{firehose:random-string}/",
        instant=INSTANT,
        time_zone=None,
        random_string=lambda: f"r{next(counter)}",
    )
    assert rendered == "a/r0/r1/"


def test_random_strings_are_eleven_hex_characters_and_seedable() -> None:
    first = prefixes.random_string(random.Random(7))
    assert len(first) == 11 and set(first) <= set("0123456789abcdef")
    assert prefixes.random_string(random.Random(7)) == first


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (None, "2023/03/22/19/"),
        ("", "2023/03/22/19/"),
        ("legacy", "legacy2023/03/22/19/"),  # plain concatenation, no "/" inserted
        ("logs/", "logs/2023/03/22/19/"),
        ("r/!{firehose:random-string}/", "r/RANDOMSTRNG/"),  # any expression: nothing appended
    ],
)
def test_default_timestamp_rules(prefix: str | None, expected: str) -> None:
    assert render(prefix) == expected


def test_partition_keys_render_and_qualified_names_win() -> None:
    prefix = "c=!{partitionKeyFromQuery:c}/d=!{partitionKeyFromLambda:c}/"
    rendered = render(prefix, c="query", **{"partitionKeyFromLambda:c": "lambda"})
    assert rendered == "c=query/d=lambda/"


def test_a_missing_partition_key_is_a_partition_key_error() -> None:
    with pytest.raises(PartitionKeyError) as raised:
        render("c=!{partitionKeyFromQuery:customer}/")
    assert raised.value.error_code == "DynamicPartitioning.MetadataExtractionFailed"


@pytest.mark.parametrize(
    ("error_prefix", "prefix", "expected"),
    [
        ("errors/", ARTICLE, "errors/"),  # expressionless: used as is, no date, no type
        (
            "err/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            ARTICLE,
            "err/processing-failed/2023/",
        ),
        (None, "myFirehosePrefix", "myFirehosePrefixprocessing-failed/2023/03/22/19/"),
        (None, None, "processing-failed/2023/03/22/19/"),
    ],
)
def test_error_prefix_rules(error_prefix: str | None, prefix: str | None, expected: str) -> None:
    assert render_error(error_prefix, prefix) == expected


def test_error_type_repeats_identically() -> None:
    both = "!{firehose:error-output-type}/!{firehose:error-output-type}/"
    assert render_error(both, None, "format-conversion-failed") == (
        "format-conversion-failed/format-conversion-failed/"
    )


def test_object_names_use_the_custom_time_zone() -> None:
    name = prefixes.object_name("s", 3, INSTANT, "u", time_zone="Asia/Tokyo")
    assert name == "s-3-2023-03-23-04-56-18-u"


CONSTRAINT = "Ths supplied prefix(es) do not satisfy the following constraint: "
NULL_ERROR = "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"


@pytest.mark.parametrize(
    ("prefix", "error_prefix", "dynamic", "constraint"),
    [
        (ARTICLE, None, False, NULL_ERROR),
        (ARTICLE, "", False, NULL_ERROR),
        ("a/!{timestamp:yyyy", "e/", False, "The sequence !{"),
        ("a/!{timestamp:}/", "e/", False, "The sequence !{"),
        ("a/!{nope:x}/", "e/", False, "!{nope:...} uses an unknown namespace"),
        ("a/!{firehose:nope}/", "e/", False, "!{firehose:nope} is not supported"),
        ("a/!{timestamp:yyyyb}/", "e/", False, "!{timestamp:yyyyb} must be a valid Java"),
        ("!{firehose:error-output-type}/", "e/", False, "Prefix cannot contain !{firehose:error"),
        ("e/", "e/!{timestamp:yyyy}/", False, "ErrorOutputPrefix must contain at least one"),
        ("k=!{partitionKeyFromQuery:k}/", "e/", False, "partitionKeyFromQuery and partitionKey"),
        (
            "k=!{partitionKeyFromQuery:k}/",
            "e/!{firehose:error-output-type}/!{partitionKeyFromQuery:k}/",
            True,
            "ErrorOutputPrefix cannot contain partitionKeyFromQuery",
        ),
        (
            "k=!{partitionKeyFromLambda:k}/",
            None,
            True,
            "ErrorOutputPrefix cannot be null or empty when Prefix",
        ),
        ("plain/", None, True, "ErrorOutputPrefix cannot be null or empty when dynamic"),
        ("d/!{timestamp:yyyy}/", "e/", True, "Prefix must contain at least one partitionKey"),
    ],
)
def test_validation_rules_and_messages(
    prefix: str, error_prefix: str | None, dynamic: bool, constraint: str
) -> None:
    with pytest.raises(InvalidArgumentException) as raised:
        prefixes.validate_prefixes(prefix, error_prefix, dynamic_partitioning=dynamic)
    assert raised.value.message.startswith(CONSTRAINT + constraint)


def test_the_known_message_is_exact_typo_included() -> None:
    with pytest.raises(InvalidArgumentException) as raised:
        prefixes.validate_prefixes(ARTICLE, None, dynamic_partitioning=False)
    assert raised.value.message == (
        "Ths supplied prefix(es) do not satisfy the following constraint: "
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
    )
    assert raised.value.error_code == "InvalidArgumentException"


@pytest.mark.parametrize(
    ("prefix", "error_prefix", "dynamic"),
    [
        (ARTICLE, "errors/", False),  # the article's configuration
        (None, None, False),
        ("legacy", None, False),
        (None, "failures/!{firehose:error-output-type}/", False),
        (
            "c=!{partitionKeyFromQuery:c}/!{timestamp:yyyy}/",
            "e/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            True,
        ),
    ],
)
def test_valid_configurations(prefix: str | None, error_prefix: str | None, dynamic: bool) -> None:
    prefixes.validate_prefixes(prefix, error_prefix, dynamic_partitioning=dynamic)


def test_partition_key_references() -> None:
    refs = prefixes.partition_key_references(
        "a=!{partitionKeyFromQuery:a}/b=!{partitionKeyFromLambda:b}/!{partitionKeyFromQuery:a}"
    )
    assert refs == {"partitionKeyFromQuery": {"a"}, "partitionKeyFromLambda": {"b"}}


_LITERAL = st.text(alphabet="abc/=-_.{}!", max_size=6)
_EXPRESSIONS = st.sampled_from(
    [
        "!{timestamp:yyyy}",
        "!{timestamp:'h='HH}",
        "!{firehose:random-string}",
        "!{firehose:error-output-type}",
        "!{timestamp:",
        "!{nope:x}",
        "!{partitionKeyFromQuery:k}",
    ]
)


@given(st.lists(_LITERAL | _EXPRESSIONS, max_size=6), st.lists(_LITERAL | _EXPRESSIONS, max_size=4))
def test_validated_prefixes_always_render(data_parts: list[str], error_parts: list[str]) -> None:
    prefix, error_prefix = "".join(data_parts), "".join(error_parts)
    try:
        prefixes.validate_prefixes(prefix, error_prefix, dynamic_partitioning=False)
    except InvalidArgumentException as exc:
        assert exc.message.startswith(CONSTRAINT)
        return
    rendered = render(prefix)
    assert "!{" not in rendered
    assert "!{" not in render_error(error_prefix, prefix)
    if not prefixes.has_expressions(prefix):
        assert rendered == prefix + "2023/03/22/19/"
