"""JSON from agents is read without rounding: an integer beyond 64 bits stays exact (or is refused
when asked), where orjson alone reads it as a rounded float."""

from __future__ import annotations

import pytest

from runagent_pulse.common.exact_json import INT_MAX, INT_MIN, loads


@pytest.mark.parametrize(
    "big", [INT_MAX + 1, INT_MIN - 1, 10**40], ids=["2^64", "-2^63-1", "10^40"]
)
def test_an_integer_beyond_64_bits_stays_exact(big: int) -> None:
    assert loads(f'{{"n": {big}, "s": "x"}}') == {"n": big, "s": "x"}
    with pytest.raises(ValueError, match="beyond 64 bits"):
        loads(f"[{big}]".encode(), refuse_big_integers=True)


def test_documents_within_64_bits_read_the_same_either_way() -> None:
    document = f'{{"max": {INT_MAX}, "min": {INT_MIN}, "f": 1.5, "digits": "{"9" * 30}"}}'
    expected = {"max": INT_MAX, "min": INT_MIN, "f": 1.5, "digits": "9" * 30}
    assert loads(document) == expected
    assert loads(document, refuse_big_integers=True) == expected
    assert loads(b"0.123456789012345678901") == pytest.approx(0.123456789012345678901)


@pytest.mark.parametrize("text", ["{nope", "NaN", '[1, Infinity, "12345678901234567890"]', ""])
def test_what_is_not_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)
