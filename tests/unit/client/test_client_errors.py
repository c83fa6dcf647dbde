"""Error classes, the response → error table, and the one-place httpx translation."""

from __future__ import annotations

import inspect

import httpx
import pytest

import runagent_pulse.client as client_pkg
from runagent_pulse.client import (
    AuthenticationError,
    ConflictError,
    InvalidTargetError,
    InvalidWhenError,
    NotFoundError,
    PayloadTooLargeError,
    PulseConnectionError,
    PulseError,
    PulseTimeoutError,
    RateLimitError,
    RunNotFoundError,
    ServerError,
    TaskNotFoundError,
    UnsafeURLError,
    ValidationError,
)
from runagent_pulse.client._http import translate_transport_errors
from runagent_pulse.client.errors import error_for_response

EXPORTED_ERRORS = [
    obj
    for name in client_pkg.__all__
    if inspect.isclass(obj := getattr(client_pkg, name)) and issubclass(obj, Exception)
]


def test_every_exported_error_is_a_pulse_error_with_a_unique_code() -> None:
    assert PulseError in EXPORTED_ERRORS
    codes = [cls.code for cls in EXPORTED_ERRORS]
    assert all(issubclass(cls, PulseError) for cls in EXPORTED_ERRORS)
    assert len(codes) == len(set(codes)), codes


def test_every_error_class_is_exported_and_drawn_in_the_module_docstring() -> None:
    from runagent_pulse.client import errors

    defined = {
        obj for obj in vars(errors).values() if inspect.isclass(obj) and issubclass(obj, PulseError)
    }
    assert defined == set(EXPORTED_ERRORS)
    for cls in defined:
        assert cls.__name__ in (errors.__doc__ or ""), cls


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "unauthorized", AuthenticationError),
        (404, "task_not_found", TaskNotFoundError),
        (404, "run_not_found", RunNotFoundError),
        (404, "not_found", NotFoundError),
        (404, "something_new", NotFoundError),
        (404, "invalid_when", NotFoundError),  # the status family wins over a mismatched code
        (409, "invalid_transition", ConflictError),
        (413, "payload_too_large", PayloadTooLargeError),
        (422, "validation_error", ValidationError),
        (422, "invalid_when", InvalidWhenError),
        (422, "invalid_target", InvalidTargetError),
        (422, "unsafe_url", UnsafeURLError),
        (400, "bad_request", ValidationError),
        (429, "rate_limited", RateLimitError),
        (418, "teapot", PulseError),
        (500, "internal_error", ServerError),
        (503, "not_ready", ServerError),
    ],
    ids=lambda value: str(value) if not inspect.isclass(value) else value.__name__,
)
def test_error_for_response_maps_status_and_code(
    status: int, code: str, expected: type[PulseError]
) -> None:
    body = {"error": {"code": code, "message": "what went wrong", "details": {"task_id": "tsk_1"}}}
    error = error_for_response(status, body)
    assert type(error) is expected
    assert (error.code, error.message, error.status_code) == (code, "what went wrong", status)
    assert error.details == {"task_id": "tsk_1"}


def test_error_for_a_body_that_is_not_the_error_shape() -> None:
    error = error_for_response(502, None, "<html>Bad gateway</html>")
    assert type(error) is ServerError
    assert error.code == "server_error"
    assert "Bad gateway" in error.message


def test_not_found_errors_expose_the_id_from_details() -> None:
    task = error_for_response(
        404, {"error": {"code": "task_not_found", "message": "m", "details": {"task_id": "tsk_9"}}}
    )
    run = error_for_response(
        404, {"error": {"code": "run_not_found", "message": "m", "details": {"run_id": "run_9"}}}
    )
    assert isinstance(task, TaskNotFoundError) and task.task_id == "tsk_9"
    assert isinstance(run, RunNotFoundError) and run.run_id == "run_9"


def _transport_errors() -> list[type[httpx.HTTPError]]:
    found = []
    for name in httpx.__all__:
        obj = getattr(httpx, name)
        if inspect.isclass(obj) and issubclass(obj, httpx.HTTPError) and obj is not httpx.HTTPError:
            found.append(obj)
    return found


@pytest.mark.parametrize("exc_class", _transport_errors(), ids=lambda cls: cls.__name__)
def test_every_httpx_error_is_translated(exc_class: type[httpx.HTTPError]) -> None:
    request = httpx.Request("GET", "http://pulse.test/v1/tasks")
    if issubclass(exc_class, httpx.HTTPStatusError):
        exc: Exception = exc_class("boom", request=request, response=httpx.Response(500))
    else:
        exc = exc_class("boom", request=request)
    with pytest.raises(PulseError) as caught, translate_transport_errors("http://pulse.test"):
        raise exc
    assert caught.value.__cause__ is exc
    if issubclass(exc_class, httpx.TimeoutException) and exc_class is not httpx.ConnectTimeout:
        assert isinstance(caught.value, PulseTimeoutError)
    if issubclass(exc_class, httpx.ConnectError | httpx.ConnectTimeout):
        assert isinstance(caught.value, PulseConnectionError)


def test_invalid_url_is_translated() -> None:
    with pytest.raises(PulseConnectionError), translate_transport_errors("nope://"):
        raise httpx.InvalidURL("bad")


def test_connection_error_names_the_url_and_pulse_serve() -> None:
    error = PulseConnectionError("http://localhost:8000", "ConnectError: refused")
    assert "http://localhost:8000" in error.message
    assert "pulse serve" in error.message
    assert error.status_code is None
    assert error.code == "connection_error"


async def test_unreachable_server_raises_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    from runagent_pulse.client import AsyncPulseClient

    async with AsyncPulseClient("http://pulse.test:9/", transport=httpx.MockTransport(refuse)) as c:
        with pytest.raises(PulseConnectionError, match=r"http://pulse\.test:9 .*pulse serve"):
            await c.health()


async def test_success_with_a_body_that_is_not_json_is_a_server_error() -> None:
    from runagent_pulse.client import AsyncPulseClient

    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>hi</html>"))
    async with AsyncPulseClient(transport=transport) as c:
        with pytest.raises(ServerError, match="not JSON"):
            await c.get_config()
