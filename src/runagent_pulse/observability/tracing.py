"""OpenTelemetry traces: a span per run (child spans for the executor call and each callback
delivery) and W3C ``traceparent`` on outgoing agent and callback requests.

OpenTelemetry is optional (``pip install 'runagent-pulse[otel]'``). Without it every function
here does nothing. With it, :func:`configure_from_environment` sets up the SDK from the standard
``OTEL_*`` variables when ``OTEL_TRACES_EXPORTER`` or an ``OTEL_EXPORTER_OTLP_*ENDPOINT`` is set;
tests hand :func:`use_provider` a provider with an in-memory exporter.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

_provider: Any = None
"""The provider spans go to (None: OpenTelemetry's global one, a no-op until configured)."""
_active = False
"""Whether traces go anywhere (the SDK was configured, or a provider given)."""

OK_STATUSES = frozenset({"success", "delivered"})


def active() -> bool:
    """Whether spans are recorded somewhere (else instrumentation is not even installed)."""
    return _active


def use_provider(provider: Any) -> None:
    """Send Pulse's spans to ``provider`` (None: back to the global provider)."""
    global _provider, _active
    _provider, _active = provider, provider is not None


def configure_from_environment(service_name: str = "pulse") -> bool:
    """Install the SDK with an OTLP exporter when the ``OTEL_*`` variables ask for traces;
    return whether it did."""
    wanted = os.environ.get("OTEL_TRACES_EXPORTER") not in (None, "", "none") or any(
        os.environ.get(name)
        for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    if not wanted or not _installed():
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("OTEL_* variables are set but the OpenTelemetry SDK is not installed")
        return False
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    global _active
    _active = True
    return True


def instrument_app(app: Any) -> None:
    """Trace every HTTP request of a FastAPI app (when the instrumentation is installed)."""
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError:
        return
    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider)


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, Any]) -> Iterator[Any]:
    """A span named ``name`` (current while the block runs); ``None`` when nothing records
    traces, so a run costs nothing extra then."""
    if not _active:
        yield None
        return
    from opentelemetry import trace

    tracer = trace.get_tracer("runagent_pulse", tracer_provider=_provider)
    clean = {key: value for key, value in attributes.items() if value is not None}
    with tracer.start_as_current_span(name, attributes=clean) as current:
        yield current


def end_status(current: Any, status: str, error: str | None = None) -> None:
    """Record ``status`` on ``current`` (a span or None), marking non-success as an error."""
    if current is None:
        return
    from opentelemetry.trace import Span, Status, StatusCode

    assert isinstance(current, Span)
    current.set_attribute("pulse.status", status)
    if status in OK_STATUSES:
        current.set_status(Status(StatusCode.OK))
    else:
        current.set_status(Status(StatusCode.ERROR, error))


def inject_traceparent(headers: MutableMapping[str, str]) -> None:
    """Add W3C ``traceparent`` (and ``tracestate``) of the current span to ``headers``."""
    if _active:
        from opentelemetry import propagate

        propagate.inject(headers)


def _installed() -> bool:
    """Whether OpenTelemetry's API is installed (the ``[otel]`` extra). It is imported only when
    traces are wanted: loading it was ~10 ms of every start."""
    try:
        import opentelemetry.trace  # noqa: F401
    except ImportError:
        return False
    return True
