"""``GET /metrics``: Prometheus' text format (the API key is needed unless
``PULSE_METRICS_PUBLIC=true``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from runagent_pulse.api.auth import bearer
from runagent_pulse.api.deps import ERRORS, Svc
from runagent_pulse.observability.metrics import CONTENT_TYPE


def metrics_router(*, public: bool) -> APIRouter:
    router = APIRouter(
        tags=["system"],
        dependencies=[] if public else [Depends(bearer)],  # RequireApiKey enforces it
        responses={401: ERRORS[401]},
    )

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus metrics"}},
    )
    async def metrics(svc: Svc) -> Response:
        """Run, delivery, deployment and database figures of this node, and the cluster-wide
        backlog (due runs, pending deliveries); see docs/operations.md."""
        return Response(await svc.system.metrics(), media_type=CONTENT_TYPE)

    return router
