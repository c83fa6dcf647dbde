"""Schedule a RunAgent agent: in RunAgent cloud, or served on your machine by `runagent serve`.

The server needs the serverless executor enabled (see docs/executors.md):

    ENABLE_SERVERLESS_INTEGRATION=true RUNAGENT_SERVERLESS_API_KEY=... pulse serve

For a cloud agent set RUNAGENT_AGENT_ID (and RUNAGENT_ENTRYPOINT). For an agent served locally
(`runagent serve <agent folder> --port 8450`) also set RUNAGENT_AGENT_HOST and
RUNAGENT_AGENT_PORT; the server then needs no API key. RUNAGENT_PARAMS is the entrypoint's
keyword arguments as JSON. Run ``python examples/schedule_runagent_example.py``.
"""

from __future__ import annotations

import json
import os

from runagent_pulse import PulseClient

SERVER_URL = os.environ.get("PULSE_SERVER_URL", "http://localhost:8000")
AGENT_ID = os.environ.get("RUNAGENT_AGENT_ID", "your-agent-id")
ENTRYPOINT = os.environ.get("RUNAGENT_ENTRYPOINT", "your-entrypoint")
PARAMS = json.loads(os.environ.get("RUNAGENT_PARAMS", '{"prompt": "Hello, world!"}'))
AGENT_HOST = os.environ.get("RUNAGENT_AGENT_HOST")  # e.g. 127.0.0.1 for `runagent serve`
AGENT_PORT = int(os.environ["RUNAGENT_AGENT_PORT"]) if "RUNAGENT_AGENT_PORT" in os.environ else None


def main() -> None:
    with PulseClient(server_url=SERVER_URL, api_key=os.environ.get("PULSE_API_KEY")) as pulse:
        task = pulse.schedule_agent(
            agent_id=AGENT_ID,
            entrypoint_tag=ENTRYPOINT,
            when="now",
            params=PARAMS,
            user_id="user123",
            persistent_memory=True,
            executor_type="serverless",
            agent_host=AGENT_HOST,
            agent_port=AGENT_PORT,
        )
        print(f"Task ID: {task.task_id}")
        result = task.wait(timeout=60)
        print(f"Status: {result['status']}")
        if result["status"] == "completed":
            print(f"Result: {json.dumps(result['result'])}")
        else:
            print(f"Error: {result.get('error')}")
        for event in pulse.get_run_events(result["execution_id"]):
            print(f"Event {event['kind']}: {json.dumps(event['data'])}")


if __name__ == "__main__":
    main()
