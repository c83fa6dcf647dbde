"""Requests generated from the OpenAPI document, sent to a real ``pulse serve`` with its API key
on: no operation answers 5xx, every status it answers is documented, and every body matches the
documented schema (Pulse's ``{"error": {...}}`` for errors)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.acceptance.conftest import API_KEY
from tests.acceptance.server import PulseServer

CHECKS = (not_a_server_error, response_schema_conformance, status_code_conformance)


def test_every_operation_answers_documented_statuses_and_shapes(
    secured_server: PulseServer,
) -> None:
    schema = schemathesis.openapi.from_url(f"{secured_server.url}/openapi.json")
    assert "HTTPBearer" in schema.raw_schema["components"]["securitySchemes"]
    headers = {"Authorization": f"Bearer {API_KEY}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=secured_server.url, headers=headers, checks=CHECKS, timeout=30
            )

        conforms()
        checked.append(operation.label)
    assert len(checked) >= 15, checked
