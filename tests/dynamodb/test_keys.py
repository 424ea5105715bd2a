"""Key encodings: byte order equals DynamoDB's order, and equal numbers encode equally."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lakehose.services.dynamodb.attributes import normalize_number
from lakehose.services.dynamodb.keys import (
    HASH_ORDER_BITS,
    encode_number,
    encode_scalar,
    segment_bounds,
)

# Numbers DynamoDB accepts: up to 38 significant digits, exponents well inside its range.
numbers = st.builds(
    lambda sign, digits, exponent: f"{sign}{digits}e{exponent}",
    st.sampled_from(["", "-"]),
    st.integers(min_value=0, max_value=10**38 - 1),
    st.integers(min_value=-120, max_value=80),
)


@given(numbers, numbers)
def test_number_bytes_order_like_their_values(a: str, b: str) -> None:
    left, right = Decimal(a), Decimal(b)
    encoded_left, encoded_right = encode_number(a), encode_number(b)
    assert (encoded_left < encoded_right) == (left < right)
    assert (encoded_left == encoded_right) == (left == right)


@given(numbers)
def test_equal_numbers_encode_equally(text: str) -> None:
    assert encode_number(text) == encode_number(normalize_number(text))


def test_spellings_of_one_number() -> None:
    assert len({encode_number(text) for text in ("1", "1.0", "10e-1", "0.1E1", "+1.000")}) == 1
    assert len({encode_number(text) for text in ("0", "-0", "0.000", "0e10")}) == 1


@given(st.text(), st.text())
def test_strings_order_by_utf8_bytes(a: str, b: str) -> None:
    assert (encode_scalar("S", a) < encode_scalar("S", b)) == (a.encode() < b.encode())


@given(st.integers(min_value=1, max_value=1_000_000), st.data())
def test_segments_tile_the_hash_space(total: int, data: st.DataObject) -> None:
    segment = data.draw(st.integers(min_value=0, max_value=total - 1))
    low, high = segment_bounds(segment, total)
    if segment == 0:
        assert low == 0
    if segment == total - 1:
        assert high is None
    else:
        assert high == segment_bounds(segment + 1, total)[0]
        assert low <= high < 1 << HASH_ORDER_BITS
