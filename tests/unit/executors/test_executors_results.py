"""Coercing agent results to JSON (``executors.results``)."""

from __future__ import annotations

import enum
import math
from collections import OrderedDict, namedtuple
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel

from runagent_pulse.domain.errors import ResultNotSerializable
from runagent_pulse.executors.results import MAX_DEPTH, to_json_value


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mood(enum.StrEnum):
    HAPPY = "happy"


class Model(BaseModel):
    name: str
    when: datetime
    tags: set[str] = set()


@dataclass
class Inner:
    values: list[int] = field(default_factory=list)


@dataclass
class Outer:
    label: str
    inner: Inner


class WithToDict:
    def to_dict(self) -> dict[str, Any]:
        return {"kind": "to_dict", "model": Model(name="m", when=datetime(2030, 1, 1))}


class WithDict:
    def dict(self) -> dict[str, Any]:
        return {"kind": "dict"}


class BrokenDump:
    def model_dump(self, **kwargs: Any) -> Any:
        raise RuntimeError("cannot dump")


Pair = namedtuple("Pair", "a b")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (1.5, 1.5),
        ("text", "text"),
        ([1, "a", None], [1, "a", None]),
        ((1, 2), [1, 2]),
        ({"a": {"b": [1]}}, {"a": {"b": [1]}}),
        ({1: "x", 2.5: "y", None: "n"}, {"1": "x", "2.5": "y", "null": "n"}),
        ({True: "t"}, {"true": "t"}),
        (OrderedDict(a=1), {"a": 1}),
        (Pair(1, 2), [1, 2]),
        (Level.HIGH, 3),
        (Mood.HAPPY, "happy"),
        (Outer("o", Inner([1, 2])), {"label": "o", "inner": {"values": [1, 2]}}),
        (WithDict(), {"kind": "dict"}),
        (
            WithToDict(),
            {"kind": "to_dict", "model": {"name": "m", "when": "2030-01-01T00:00:00", "tags": []}},
        ),
    ],
    ids=[
        "none",
        "bool",
        "int",
        "float",
        "str",
        "list",
        "tuple",
        "nested-dict",
        "non-str-keys",
        "bool-key",
        "ordered-dict",
        "namedtuple",
        "int-enum",
        "str-enum",
        "dataclass",
        "dict-method",
        "to-dict-with-model",
    ],
)
def test_coerces(value: Any, expected: Any) -> None:
    result = to_json_value(value)
    assert result == expected
    assert type(result) is type(expected)


def test_pydantic_model_uses_json_mode() -> None:
    result = to_json_value(Model(name="n", when=datetime(2030, 1, 2, 3, 4), tags={"x"}))
    assert result == {"name": "n", "when": "2030-01-02T03:04:00", "tags": ["x"]}


def test_plain_values_are_returned_without_copying_scalars() -> None:
    text = "x" * 100
    assert to_json_value(text) is text


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({1, 2}, "result is of type set"),
        (b"bytes", "of type bytes"),
        (datetime(2030, 1, 1), "of type datetime.datetime"),
        (object(), "of type object"),
        (Color.RED, "Color"),
        ({"a": [1, {2}]}, "result['a'][1] is of type set"),
        ({(1, 2): "x"}, "has a key of type tuple"),
        (math.nan, "nan"),
        ([math.inf], "result[0] is inf"),
        (int, "the class int"),
        (BrokenDump(), "RuntimeError: cannot dump"),
    ],
    ids=[
        "set",
        "bytes",
        "datetime",
        "object",
        "plain-enum",
        "nested-set",
        "tuple-key",
        "nan",
        "inf",
        "class",
        "failing-model-dump",
    ],
)
def test_refuses_with_a_clear_message(value: Any, fragment: str) -> None:
    with pytest.raises(ResultNotSerializable) as info:
        to_json_value(value)
    assert fragment in info.value.message
    assert fragment in info.value.details["detail"]
    assert info.value.error_type == "ResultNotSerializable"
    assert info.value.retryable is False


def test_refuses_cycles() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ResultNotSerializable, match="deeper than"):
        to_json_value(cycle)


def test_accepts_deep_but_bounded_nesting() -> None:
    value: Any = 0
    for _ in range(MAX_DEPTH - 1):
        value = [value]
    assert to_json_value(value) == value
