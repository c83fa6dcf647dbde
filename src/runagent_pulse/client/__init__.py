"""The Pulse SDK: talk to a Pulse server from Python (needs only httpx and pydantic).

```python
from runagent_pulse import PulseClient

with PulseClient(server_url="http://localhost:8000") as pulse:
    task = pulse.schedule_agent("my_agent", "process", when="in 5 minutes", params={"x": 1})
    print(task.wait())
```
"""

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
