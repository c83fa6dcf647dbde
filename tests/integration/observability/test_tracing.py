"""OpenTelemetry spans of real runs, captured with the SDK's in-memory exporter: one span per
run with its executor call as a child, one per callback delivery, one per API request, and the
W3C ``traceparent`` on the agent's HTTP request and on the callback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from runagent_pulse.observability import tracing
from tests.integration.delivery_outbox.support import App, receiver
from tests.support.http_target import HttpTarget


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)


async def test_a_run_and_its_callback_are_traced_and_propagated(
    sqlite_url: str, spans: InMemorySpanExporter
) -> None:
    target = HttpTarget().start()
    try:
        async with receiver() as rcv, App(sqlite_url, PULSE_CALLBACK_ALLOW_PRIVATE="true") as app:
            task_id = await app.schedule(
                rcv.url, executor_type="http", params={"url": f"{target.url}/echo"}
            )
            await app.delivery_where(task_id, lambda d: d["status"] == "delivered")
            run = await app.run_of(task_id)
    finally:
        target.stop()

    by_name = {span.name: span for span in spans.get_finished_spans()}
    run_span, call_span = by_name["pulse.run"], by_name["pulse.executor"]
    assert run_span.attributes is not None
    assert dict(run_span.attributes) == {
        "pulse.task_id": task_id,
        "pulse.run_id": run["id"],
        "pulse.attempt": 1,
        "pulse.executor": "http",
        "pulse.status": "success",
    }
    assert call_span.parent is not None
    assert call_span.parent.span_id == run_span.context.span_id
    delivery = by_name["pulse.delivery"]
    assert delivery.attributes is not None
    assert delivery.attributes["pulse.run_id"] == run["id"]
    assert delivery.attributes["pulse.status"] == "delivered"
    assert any(name.startswith("POST /v1/tasks") for name in by_name)

    [agent_request] = target.received
    trace_id = f"{run_span.context.trace_id:032x}"
    assert agent_request.headers["traceparent"].split("-")[1] == trace_id
    [callback] = rcv.received
    delivery_trace = f"{delivery.context.trace_id:032x}"
    assert callback.headers["traceparent"].split("-")[1] == delivery_trace


async def test_a_failed_run_is_an_error_span(sqlite_url: str, spans: InMemorySpanExporter) -> None:
    async with App(sqlite_url) as app:
        task_id = await app.schedule(None, params={"fail": "boom"}, retry={"max_attempts": 1})
        await app.until(lambda: app.finished(task_id))
    [run_span] = [s for s in spans.get_finished_spans() if s.name == "pulse.run"]
    assert run_span.status.status_code.name == "ERROR"
    assert run_span.status.description == "boom"
