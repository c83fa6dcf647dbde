"""HTTP executor: call an agent served over HTTP and keep its response as the run's result.

Start Pulse (``pulse serve``) and point ``PULSE_HTTP_URL`` at your agent's endpoint, then run
``python examples/schedule_http_example.py``. Pulse POSTs the body with
``Idempotency-Key: <run id>``; a non-2xx answer fails the run, and connection errors, timeouts,
408, 429 and 5xx are retried per ``retry``. The ``Authorization`` header is stored but shown as
``[redacted]`` when the task is read back.
"""

from __future__ import annotations

import os

from runagent_pulse import PulseClient

SERVER_URL = os.environ.get("PULSE_SERVER_URL", "http://localhost:8000")
AGENT_URL = os.environ.get("PULSE_HTTP_URL", "http://localhost:8080/run")


def main() -> None:
    with PulseClient(server_url=SERVER_URL, api_key=os.environ.get("PULSE_API_KEY")) as pulse:
        task = pulse.schedule_http(
            AGENT_URL,
            method="POST",
            body={"prompt": "Summarise today's tickets"},
            headers={"Authorization": "Bearer example-token", "X-Team": "support"},
            when="now",
            timeout="1m",
            retry={"max_attempts": 3, "backoff": "2s"},
        )
        print(f"Task ID: {task.task_id}")
        print(f"Headers as stored: {task.get_details()['params']['headers']}")
        result = task.wait(timeout=120)
        if result["status"] != "completed":
            raise SystemExit(f"Failed: {result['error']}")
        response = result["result"]
        print(f"HTTP {response['status']} (run {result['execution_id']})")
        print(f"Body: {response['body']}")


if __name__ == "__main__":
    main()
