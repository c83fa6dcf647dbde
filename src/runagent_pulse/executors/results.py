"""Turning whatever an agent returned into a JSON value, or refusing it clearly.

Every executor hands its result to the engine as plain JSON (``dict`` with string keys, ``list``,
``str``, ``int``, ``float``, ``bool``, ``None``). Agents built with common frameworks return richer
objects, so :func:`to_json_value` coerces, recursively:

- pydantic models: ``model_dump(mode="json")`` (v2) or ``dict()`` (v1);
- dataclass instances: their fields (like :func:`dataclasses.asdict`);
- objects with a ``to_dict()`` method;
- tuples become lists; ``str``/``int``/``float`` subclasses (enums) become the base type;
- dict keys that are ``int``/``float``/``bool``/``None`` become strings, as :func:`json.dumps` does.

Anything else (sets, bytes, datetimes, arbitrary objects, ``NaN``/``Infinity``, cycles or nesting
deeper than :data:`MAX_DEPTH`) raises :class:`~runagent_pulse.domain.errors.ResultNotSerializable`
naming the offending type and where it was found. This module imports nothing heavy: it runs
inside local worker processes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from runagent_pulse.domain.errors import ResultNotSerializable

__all__ = ["MAX_DEPTH", "to_json_value"]

MAX_DEPTH = 200
"""Nesting deeper than this is refused (it is almost always a reference cycle)."""

_SCALARS = (str, int, bool, type(None))


def to_json_value(value: Any) -> Any:
    """Return ``value`` as a JSON-compatible structure (see the module docstring).

    Raises:
        ResultNotSerializable: some part of ``value`` has no JSON form.
    """
    return _coerce(value, "result", 0)


def _coerce(value: Any, where: str, depth: int) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        raise _refuse(f"{where} is {value!r}, which JSON cannot represent")
    if depth >= MAX_DEPTH:
        raise _refuse(f"{where} is nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if kind is dict:
        return _coerce_dict(value, where, depth)
    if kind is list or kind is tuple:
        return [_coerce(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    return _coerce_object(value, where, depth)


def _coerce_dict(value: dict[Any, Any], where: str, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(key, str):
            name = str.__str__(key)
        elif key is None or isinstance(key, bool):
            name = "null" if key is None else ("true" if key else "false")
        elif isinstance(key, int):
            name = str(int(key))
        elif isinstance(key, float) and math.isfinite(key):
            name = repr(float(key))
        else:
            raise _refuse(
                f"{where} has a key of type {_type_name(key)} ({key!r:.80}); "
                "JSON object keys must be strings"
            )
        out[name] = _coerce(item, f"{where}[{name!r}]", depth + 1)
    return out


def _coerce_object(value: Any, where: str, depth: int) -> Any:
    # Subclasses of the JSON types (str/int enums, OrderedDict, namedtuple...) keep their data.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _coerce(float(value), where, depth)
    if isinstance(value, dict):
        return _coerce_dict(value, where, depth)
    if isinstance(value, list | tuple):
        return [_coerce(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, type):
        raise _refuse(f"{where} is the class {_type_name(value)}, not a value")
    converted = _convert(value)
    if converted is _NO_CONVERSION:
        raise _refuse(
            f"{where} is of type {_type_name(value)}; convert it to a dict, list, string or number"
        )
    return _coerce(converted, where, depth + 1)


_NO_CONVERSION = object()


def _refuse(detail: str) -> ResultNotSerializable:
    """The error for ``detail``; ``error.details["detail"]`` keeps it for re-raising elsewhere."""
    error = ResultNotSerializable(detail)
    error.details = {"detail": detail}
    return error


def _convert(value: Any) -> Any:
    """The plain-data form of a rich object, or ``_NO_CONVERSION``."""
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):  # pydantic v2
        return _call(model_dump, value, mode="json")
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    for method_name in ("to_dict", "dict"):  # pandas-like objects, pydantic v1
        method = getattr(value, method_name, None)
        if callable(method):
            return _call(method, value)
    return _NO_CONVERSION


def _call(method: Any, value: Any, **kwargs: Any) -> Any:
    try:
        return method(**kwargs)
    except Exception as exc:
        raise _refuse(
            f"converting a {_type_name(value)} failed: {type(exc).__name__}: {exc}"[:500]
        ) from exc


def _type_name(value: Any) -> str:
    kind = value if isinstance(value, type) else type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
