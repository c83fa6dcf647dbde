"""Counts executions per run: the first call of a run creates ``<directory>/<run id>``
exclusively (O_EXCL); any later call of the same run leaves ``<run id>.again-<pid>-<n>`` beside
it (so the test sees it even if that outcome is dropped) and fails with ``FileExistsError``."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def count(directory: str) -> dict[str, object]:
    run_id = os.environ["PULSE_RUN_ID"]
    first = Path(directory) / run_id
    try:
        fd = os.open(first, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        first.with_name(f"{run_id}.again-{os.getpid()}-{uuid.uuid4().hex[:8]}").touch()
        raise
    os.close(fd)
    return {"run_id": run_id, "pid": os.getpid()}
