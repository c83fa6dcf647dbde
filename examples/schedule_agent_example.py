"""Callback mode: schedule an agent and receive its result on a webhook.

Start Pulse and the webhook handler first (two terminals):

    LOCAL_AGENT_PATH=examples/agents pulse serve
    pulse webhook-handler --port 3001 --results-dir ./webhook-results

then run ``python examples/schedule_agent_example.py``. The result is POSTed to the handler,
which keeps it as ``./webhook-results/<task_id>.json``.
"""

from __future__ import annotations

import os

from runagent_pulse import PulseClient

SERVER_URL = os.environ.get("PULSE_SERVER_URL", "http://localhost:8000")
CALLBACK_URL = os.environ.get("PULSE_CALLBACK_URL", "http://localhost:3001/results")


def main() -> None:
    with PulseClient(server_url=SERVER_URL, api_key=os.environ.get("PULSE_API_KEY")) as pulse:
        task = pulse.schedule_agent(
            agent_id="my_agent",
            entrypoint_tag="process",
            when="now",
            params={"input": "Hello, world!", "user": "developer"},
            callback_url=CALLBACK_URL,
            executor_type="local",
        )
        print(f"Task ID: {task.task_id}")
        print(f"Schedule: {task.schedule['description'] if task.schedule else task.when}")
        result = task.wait(timeout=60)
        print(f"Status: {result['status']}")
        print(f"Result POSTed to {CALLBACK_URL}: see ./webhook-results/{task.task_id}.json")


if __name__ == "__main__":
    main()
