"""Every error a user can see has a stable, unique code and a 4xx status."""

from __future__ import annotations

import inspect

from runagent_pulse.domain import errors


def test_every_error_code_is_unique() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.PulseError)
    ]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), codes
    for cls in classes:
        if cls is not errors.PulseError and not issubclass(cls, errors.ExecutionError):
            assert 400 <= cls.http_status < 500, cls
