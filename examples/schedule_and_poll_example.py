"""Polling mode: schedule an agent without a callback and poll for its result.

Start Pulse first (``LOCAL_AGENT_PATH=examples/agents pulse serve``), then run
``python examples/schedule_and_poll_example.py``.
"""

from __future__ import annotations

import os
import time

from runagent_pulse import PulseClient

SERVER_URL = os.environ.get("PULSE_SERVER_URL", "http://localhost:8000")
WHEN = os.environ.get("PULSE_EXAMPLE_WHEN", "in 5 seconds")


def main() -> None:
    with PulseClient(server_url=SERVER_URL, api_key=os.environ.get("PULSE_API_KEY")) as pulse:
        task = pulse.schedule_agent(
            agent_id="my_agent",
            entrypoint_tag="process",
            when=WHEN,
            params={"input": "Hello"},
            executor_type="local",
        )
        print(f"Task ID: {task.task_id}, next run at {task.next_run_at}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            result = pulse.get_task_result(task.task_id)
            if result["status"] == "completed":
                print(f"Result: {result['result']}")
                return
            if result["status"] == "failed":
                print(f"Failed: {result.get('error')}")
                raise SystemExit(1)
            print(f"Status: {result['status']}")
            time.sleep(1)
        raise SystemExit("gave up waiting for the result")


if __name__ == "__main__":
    main()
