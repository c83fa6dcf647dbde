"""The Pulse SDK: talk to a Pulse server from Python (needs only httpx and pydantic).

```python
from runagent_pulse import PulseClient

with PulseClient(server_url="http://localhost:8000") as pulse:
    task = pulse.schedule_agent("my_agent", "process", when="in 5 minutes", params={"x": 1})
    print(task.wait())
```
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runagent_pulse.client._async import AsyncPulseClient
    from runagent_pulse.client._sync import PulseClient
    from runagent_pulse.client.errors import (
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
    from runagent_pulse.client.task import AsyncPulseTask, PulseTask

__all__ = [
    "AsyncPulseClient",
    "AsyncPulseTask",
    "AuthenticationError",
    "ConflictError",
    "InvalidTargetError",
    "InvalidWhenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PulseClient",
    "PulseConnectionError",
    "PulseError",
    "PulseTask",
    "PulseTimeoutError",
    "RateLimitError",
    "RunNotFoundError",
    "ServerError",
    "TaskNotFoundError",
    "UnsafeURLError",
    "ValidationError",
]

_HOMES = dict.fromkeys(__all__, "errors") | {
    "AsyncPulseClient": "_async",
    "PulseClient": "_sync",
    "AsyncPulseTask": "task",
    "PulseTask": "task",
}
"""The module each name lives in (an error class unless listed). The SDK loads httpx and anyio;
importing a name when first asked for keeps them out of processes that only need an error class
(the ``pulse`` command's ``serve``)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
