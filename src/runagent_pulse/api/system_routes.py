"""``/v1/timespec/parse``, ``/v1/config``, ``/v1/executors`` and ``/v1/nodes``."""

from __future__ import annotations

from typing import Any

from runagent_pulse.api.deps import Svc, v1_router
from runagent_pulse.api.limits import MAX_BODY_BYTES
from runagent_pulse.service.models import ExecutorList, NodeList, ParseIn, ScheduleOut

router = v1_router(tags=["system"])


@router.post("/timespec/parse", response_model=ScheduleOut, tags=["time"])
async def parse_when(body: ParseIn, svc: Svc) -> ScheduleOut:
    return svc.tasks.preview(body)


@router.get("/config")
async def get_config(svc: Svc) -> dict[str, Any]:
    config = svc.system.config().model_dump(mode="json")
    config["limits"]["max_body_bytes"] = MAX_BODY_BYTES
    return config


@router.get("/executors", response_model=ExecutorList)
async def list_executors(svc: Svc) -> ExecutorList:
    """Every executor this server has, whether tasks may use it, and if not, how to enable it."""
    return svc.system.executors()


@router.get("/nodes", response_model=NodeList)
async def list_nodes(svc: Svc) -> NodeList:
    """Every node seen in the last week, newest first, with the runs each is running."""
    return await svc.system.nodes()
