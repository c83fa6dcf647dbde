"""JSON from outside Pulse (agents' answers), read without rounding a number.

orjson reads an integer beyond 64 bits as a float, silently rounded (``2**70`` comes back as
``1.1805916207174113e+21``). A document that may hold one (a run of 19 digits or more, which
every such integer has: -2^63 - 1 has 19) is read by the standard library instead, which keeps
it exact; the caller then refuses it (Pulse stores integers within 64 bits, and says so) rather
than store a different number. Other documents, nearly all, are read by orjson.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_NINETEEN_DIGITS = re.compile(rb"[0-9]{19}")
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
"""The integers Pulse stores (orjson writes them; beyond, it refuses)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _within_64_bits(text: str) -> int:
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"the integer {text[:40]} is beyond 64 bits")
    return value


def loads(data: bytes | str, *, refuse_big_integers: bool = False) -> Any:
    """The value of the JSON document ``data``, its integers exact.

    Raises:
        ValueError: ``data`` is not JSON (``NaN`` and ``Infinity`` included), or, with
            ``refuse_big_integers``, it holds an integer beyond 64 bits.
    """
    raw = data.encode() if isinstance(data, str) else data
    if _NINETEEN_DIGITS.search(raw) is None:
        return orjson.loads(raw)
    parse_int = _within_64_bits if refuse_big_integers else int
    return json.loads(raw, parse_int=parse_int, parse_constant=_no_constant)
