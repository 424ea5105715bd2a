"""The OpenX JSON SerDe's key and array rules (``lakehose.formats.openx_json``)."""

from __future__ import annotations

from lakehose.formats.openx_json import OpenXKeys, array_items


def test_keys_match_ignoring_case_and_a_later_duplicate_wins() -> None:
    plan = OpenXKeys().key_plan(["ID", "id", "Other"], ["id", "other", "missing"])
    assert plan == ["id", "Other", None]
    assert OpenXKeys(case_insensitive=False).key_plan(["ID"], ["id"]) == [None]


def test_mappings_name_the_json_key_of_a_field() -> None:
    keys = OpenXKeys.from_serde({"mapping.ts": "timestamp", "case.insensitive": "FALSE"})
    assert keys == OpenXKeys(case_insensitive=False, mappings={"ts": "timestamp"})
    assert keys.key_plan(["timestamp", "ts"], ["ts"]) == ["timestamp"]


def test_dotted_keys_feed_a_field_only_when_no_key_is_spelled_like_it() -> None:
    keys = OpenXKeys(dots_in_keys=True)
    assert keys.key_plan(["a.b"], ["a_b"]) == ["a.b"]
    # Trino (and the original SerDe): the exact key first, whatever the order of the keys.
    assert keys.key_plan(["a_b", "a.b"], ["a_b"]) == ["a_b"]
    assert keys.key_plan(["a.b", "a_b"], ["a_b"]) == ["a_b"]
    assert keys.key_plan(["A.B", "a.b"], ["a_b"]) == ["A.B"]  # the first dotted key
    assert OpenXKeys().key_plan(["a.b"], ["a_b"]) == [None]


def test_a_non_array_value_is_one_element_and_an_empty_string_null() -> None:
    assert array_items([1, 2]) == [1, 2]
    assert array_items("") is None
    assert array_items("x") == ["x"]
    assert array_items({"a": 1}) == [{"a": 1}]
