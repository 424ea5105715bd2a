"""Java date-pattern lexing in both dialects (``lakehose.formats.java_dates``)."""

from __future__ import annotations

import pytest

from lakehose.formats.java_dates import OPTIONAL_END, OPTIONAL_START, PatternError, Token, lex


def test_letter_runs_quotes_and_literals() -> None:
    tokens = list(lex("yyyy-MM'T''x'''", "java.time"))
    assert tokens == [Token("y", "yyyy"), Token(None, "-"), Token("M", "MM"), Token(None, "T'x'")]
    assert tokens[0].count == 4
    assert list(lex("HH''mm", "joda")) == [Token("H", "HH"), Token(None, "'"), Token("m", "mm")]


def test_optional_sections_are_java_time_only() -> None:
    assert list(lex("[HH]", "java.time")) == [OPTIONAL_START, Token("H", "HH"), OPTIONAL_END]
    assert list(lex("[HH]", "joda")) == [Token(None, "["), Token("H", "HH"), Token(None, "]")]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy'T", "Pattern ends with an incomplete string literal: yyyy'T"),
        ("HH]", "Pattern invalid as it contains ] without previous ["),
        ("HH#", "Pattern includes reserved character: '#'"),
    ],
)
def test_java_time_rejects_what_of_pattern_rejects(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as error:
        list(lex(pattern, "java.time"))
    assert str(error.value) == message


def test_joda_takes_an_open_quote_to_the_end_and_reserves_nothing() -> None:
    assert list(lex("HH'h mm", "joda")) == [Token("H", "HH"), Token(None, "h mm")]
    assert list(lex("{#}", "joda")) == [Token(None, "{"), Token(None, "#"), Token(None, "}")]
