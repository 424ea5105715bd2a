"""ListObjectsV2 and ListObjects: order, prefixes, delimiters, pages, markers and encoding."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, error_of

KEYS = [
    "a.txt",
    "photos/2024/jan.jpg",
    "photos/2024/feb.jpg",
    "photos/2025/mar.jpg",
    "photos/index.html",
    "videos/clip.mp4",
    "zebra",
    "é-accent",  # 0xC3 0xA9: after every ASCII key in UTF-8 byte order
    "\U0001f600-emoji",  # 0xF0...: after the accent
    "with space",
    "plus+sign",
]


def byte_order(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda key: key.encode())


@pytest.fixture
def filled(s3: Any, bucket: str) -> str:
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def keys_of(response: dict[str, Any]) -> list[str]:
    return [item["Key"] for item in response.get("Contents", [])]


def prefixes_of(response: dict[str, Any]) -> list[str]:
    return [item["Prefix"] for item in response.get("CommonPrefixes", [])]


def test_lists_every_key_in_utf8_byte_order_with_s3s_fields(s3: Any, filled: str) -> None:
    listed = s3.list_objects_v2(Bucket=filled)
    assert keys_of(listed) == byte_order(KEYS)
    assert (listed["KeyCount"], listed["MaxKeys"], listed["IsTruncated"]) == (
        len(KEYS),
        1000,
        False,
    )
    assert (listed["Name"], listed["Prefix"]) == (filled, "")
    first = listed["Contents"][0]
    assert set(first) == {
        "Key",
        "LastModified",
        "ETag",
        "Size",
        "StorageClass",
        "ChecksumAlgorithm",
        "ChecksumType",
    }
    assert (first["Size"], first["StorageClass"]) == (len(b"a.txt"), "STANDARD")
    owned = s3.list_objects_v2(Bucket=filled, FetchOwner=True, MaxKeys=1)["Contents"][0]
    assert len(owned["Owner"]["ID"]) == 64


def test_prefix_and_delimiter_roll_keys_up(s3: Any, filled: str) -> None:
    top = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert prefixes_of(top) == ["photos/", "videos/"]
    assert keys_of(top) == byte_order([k for k in KEYS if "/" not in k])
    assert top["KeyCount"] == len(keys_of(top)) + 2
    photos = s3.list_objects_v2(Bucket=filled, Prefix="photos/", Delimiter="/")
    assert (keys_of(photos), prefixes_of(photos)) == (
        ["photos/index.html"],
        ["photos/2024/", "photos/2025/"],
    )
    assert (photos["Prefix"], photos["Delimiter"]) == ("photos/", "/")
    deep = s3.list_objects_v2(Bucket=filled, Prefix="photos/2024/")
    assert keys_of(deep) == ["photos/2024/feb.jpg", "photos/2024/jan.jpg"]
    # A delimiter of several characters, and a prefix that is not a "directory".
    odd = s3.list_objects_v2(Bucket=filled, Prefix="photos/20", Delimiter="4/")
    assert (keys_of(odd), prefixes_of(odd)) == (["photos/2025/mar.jpg"], ["photos/2024/"])


def test_pages_with_continuation_tokens_cover_everything_once(s3: Any, filled: str) -> None:
    seen: list[str] = []
    common: list[str] = []
    token: dict[str, str] = {}
    pages = 0
    while True:
        page = s3.list_objects_v2(Bucket=filled, MaxKeys=2, Delimiter="/", **token)
        pages += 1
        assert page["KeyCount"] <= 2
        seen += keys_of(page)
        common += prefixes_of(page)
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        assert page["KeyCount"] == 2
        token = {"ContinuationToken": page["NextContinuationToken"]}
        assert (
            s3.list_objects_v2(Bucket=filled, MaxKeys=2, Delimiter="/", **token)[
                "ContinuationToken"
            ]
            == token["ContinuationToken"]
        )
    assert common == ["photos/", "videos/"]
    assert seen == byte_order([k for k in KEYS if "/" not in k])
    assert pages == -(-(len(seen) + len(common)) // 2)


def test_start_after_and_max_keys(s3: Any, filled: str) -> None:
    after = s3.list_objects_v2(Bucket=filled, StartAfter="photos/index.html")
    assert keys_of(after) == byte_order(KEYS)[byte_order(KEYS).index("photos/index.html") + 1 :]
    assert after["StartAfter"] == "photos/index.html"
    none = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert (keys_of(none), none["IsTruncated"], none["KeyCount"]) == ([], False, 0)
    capped = s3.list_objects_v2(Bucket=filled, MaxKeys=5000)
    assert len(keys_of(capped)) == len(KEYS)


def test_url_encoding_round_trips_awkward_keys(s3: Any, bucket: str) -> None:
    awkward = ["a b", "a+b", "a%20b", "tab\there", "line\nbreak", "&<>\"'", "ünï/cødé", "a\x00b"]
    awkward.append("x?y#z")
    for key in awkward:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    # botocore asks for EncodingType=url itself and decodes what comes back.
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == byte_order(awkward)
    assert keys_of(s3.list_objects(Bucket=bucket)) == byte_order(awkward)
    raw = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="ü")
    assert keys_of(raw) == ["%C3%BCn%C3%AF/c%C3%B8d%C3%A9"]
    assert raw["Prefix"] == "%C3%BC"
    assert raw["EncodingType"] == "url"


def test_invalid_arguments(unchecked: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as token:
        unchecked.list_objects_v2(Bucket=bucket, ContinuationToken="garbage")
    details = error_of(token)
    assert (details["Code"], details["Message"], details["ArgumentName"]) == (
        "InvalidArgument",
        "The continuation token provided is incorrect",
        "continuation-token",
    )
    with pytest.raises(ClientError) as negative:
        unchecked.list_objects_v2(Bucket=bucket, MaxKeys=-1)
    assert error_code(negative) == "InvalidArgument"
    with pytest.raises(ClientError) as encoding:
        unchecked.list_objects_v2(Bucket=bucket, EncodingType="base64")
    assert error_of(encoding)["Message"] == "Invalid Encoding Method specified in Request"


def test_list_objects_v1_markers(s3: Any, filled: str) -> None:
    everything = byte_order(KEYS)
    first = s3.list_objects(Bucket=filled, MaxKeys=3)
    assert keys_of(first) == everything[:3]
    assert first["IsTruncated"] is True
    assert first["Marker"] == ""
    assert "NextMarker" not in first  # only with a delimiter; clients go on from the last key
    assert all("Owner" in item for item in first["Contents"])
    second = s3.list_objects(Bucket=filled, MaxKeys=3, Marker=everything[2])
    assert keys_of(second) == everything[3:6]
    assert second["Marker"] == everything[2]
    with_delimiter = s3.list_objects(Bucket=filled, Delimiter="/", MaxKeys=2)
    assert keys_of(with_delimiter) == ["a.txt"]
    assert prefixes_of(with_delimiter) == ["photos/"]
    assert with_delimiter["NextMarker"] == "photos/"
    rest = s3.list_objects(Bucket=filled, Delimiter="/", Marker="photos/")
    assert prefixes_of(rest) == ["videos/"]  # the marker's own prefix is not repeated
    assert keys_of(rest) == [k for k in byte_order(KEYS) if "/" not in k and k > "photos/"]


def test_paginators_agree(s3: Any, filled: str) -> None:
    v2 = [
        key
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=filled, PaginationConfig={"PageSize": 3}
        )
        for key in keys_of(page)
    ]
    v1 = [
        key
        for page in s3.get_paginator("list_objects").paginate(
            Bucket=filled, PaginationConfig={"PageSize": 4}
        )
        for key in keys_of(page)
    ]
    assert v1 == v2 == byte_order(KEYS)


def raw_listing(client: Any, call: Any) -> bytes:
    """The XML body of a listing call, before botocore decodes it."""
    captured: list[bytes] = []

    def keep(**kwargs: Any) -> None:
        captured.append(bytes(kwargs["http_response"].content))

    client.meta.events.register("after-call.s3", keep)
    try:
        call()
    finally:
        client.meta.events.unregister("after-call.s3", keep)
    return captured[-1]


def test_url_encoding_writes_a_space_as_percent_20(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a b+c/d", Body=b"")
    body = raw_listing(s3, lambda: s3.list_objects_v2(Bucket=bucket, EncodingType="url"))
    assert b"<Key>a%20b%2Bc/d</Key>" in body
    v1 = raw_listing(s3, lambda: s3.list_objects(Bucket=bucket, EncodingType="url", Prefix="a b"))
    assert b"<Prefix>a b</Prefix>" in v1  # v1 leaves the top-level Prefix as given
    assert s3.list_objects(Bucket=bucket, Prefix="a b")["Contents"][0]["Key"] == "a b+c/d"
