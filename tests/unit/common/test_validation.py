"""Property-based tests of the kit's validation layer: whatever the input, a validator either
returns a value that satisfies its contract or raises InvalidArgument naming the field, with
a message of bounded length; it never raises anything else."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.common import validation
from linli.common.errors import InvalidArgument

FIELD = "form.field"
# Any text, including control, invisible and astral characters.
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


def _refused(error: InvalidArgument) -> None:
    assert error.field == FIELD
    assert error.message.startswith(f"{FIELD}: ")
    # The echo of a huge input stays short.
    assert len(error.message) < 200


@given(value=any_text, max_length=st.integers(min_value=1, max_value=300), required=st.booleans())
def test_text_returns_a_clean_bounded_value_or_refuses(value: str, max_length: int, required: bool) -> None:
    try:
        cleaned = validation.text(value, FIELD, max_length=max_length, required=required)
    except InvalidArgument as error:
        _refused(error)
        return
    assert len(cleaned) <= max_length
    assert cleaned == cleaned.strip()
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in cleaned)
    assert cleaned or not required


@given(value=any_text)
def test_identifier_accepts_only_the_id_alphabet(value: str) -> None:
    try:
        found = validation.identifier(value, FIELD)
    except InvalidArgument as error:
        _refused(error)
        return
    assert 0 < len(found) <= validation.ID_MAX_LENGTH
    assert validation.ID_PATTERN.match(found)


@given(value=st.text(max_size=400))
def test_optional_identifier_allows_blank(value: str) -> None:
    try:
        found = validation.optional_identifier(value, FIELD)
    except InvalidArgument as error:
        _refused(error)
        return
    assert found == "" or validation.ID_PATTERN.match(found)
    assert found or not value.strip()


@given(
    values=st.lists(st.sampled_from(["a", "b", "c-1", "x:y", "bad id", ""]), max_size=30),
    max_items=st.integers(min_value=1, max_value=10),
)
def test_identifier_lists_are_deduplicated_and_bounded(values: list[str], max_items: int) -> None:
    try:
        found = validation.identifier_list(values, FIELD, max_items=max_items)
    except InvalidArgument as error:
        assert error.field.startswith(FIELD)
        return
    assert len(found) == len(set(found)) <= max_items
    assert list(found) == list(dict.fromkeys(v.strip() for v in values))


def test_a_huge_identifier_list_is_refused_without_reading_it_all() -> None:
    def endless() -> object:
        while True:
            yield "same-id"

    with pytest.raises(InvalidArgument, match="at most 5 items"):
        validation.identifier_list(endless(), FIELD, max_items=5)  # type: ignore[arg-type]


@given(value=st.text(max_size=300))
def test_idempotency_keys_are_bounded(value: str) -> None:
    try:
        assert validation.idempotency_key(value, FIELD) == value
    except InvalidArgument as error:
        _refused(error)
        assert len(value) > validation.IDEMPOTENCY_KEY_MAX_LENGTH


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_finite_refuses_nan_and_infinities(value: float) -> None:
    try:
        assert validation.finite(value, FIELD) == value
    except InvalidArgument as error:
        _refused(error)
        assert not math.isfinite(value)


@given(value=st.integers(min_value=-(2**31), max_value=2**31), maximum=st.integers(min_value=1, max_value=1000))
def test_count_limits(value: int, maximum: int) -> None:
    try:
        found = validation.count_limit(value, FIELD, maximum=maximum, default=min(20, maximum))
    except InvalidArgument as error:
        _refused(error)
        assert value < 0 or value > maximum
        return
    assert 1 <= found <= maximum


@settings(max_examples=50)
@given(value=st.text(min_size=1, max_size=2000))
def test_echo_is_short_whatever_the_value(value: str) -> None:
    assert len(validation.echo(value * 500)) <= validation.ECHO_MAX_LENGTH + 5


def test_text_refuses_a_megabyte_before_normalising_it() -> None:
    with pytest.raises(InvalidArgument, match="must be at most 100 characters, got 1000000"):
        validation.text("字" * 1_000_000, FIELD, max_length=100)
