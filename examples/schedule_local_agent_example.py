"""Local executor: run a Python agent from ``LOCAL_AGENT_PATH`` now, then every 2 seconds twice
more, and read its history.

Start Pulse first (``LOCAL_AGENT_PATH=examples/agents pulse serve``), then run
``python examples/schedule_local_agent_example.py``. The agent is ``examples/agents/my_agent.py``:
``agent_id`` is the module, ``entrypoint_tag`` the function, ``params`` its keyword arguments.
Framework agents work the same way with the user guide's params (see docs/executors.md):

    schedule_agent("my_graph", "graph", params={"input": {...}, "config": {...}})   # LangGraph
    schedule_agent("my_crew", "crew", params={"task": "...", "context": {}})        # CrewAI
    schedule_agent("my_agno", "agent", params={"prompt": "...", "user": "dev",
                                                 "new_session": True})              # Agno
"""

from __future__ import annotations

import os

from runagent_pulse import PulseClient

SERVER_URL = os.environ.get("PULSE_SERVER_URL", "http://localhost:8000")


def main() -> None:
    with PulseClient(server_url=SERVER_URL, api_key=os.environ.get("PULSE_API_KEY")) as pulse:
        task = pulse.schedule_agent(
            agent_id="my_agent",
            entrypoint_tag="process",
            when="now",
            params={"input": "Hello", "user": "developer"},
            executor_type="local",
            repeat={"interval": "2s", "times": 3},
        )
        print(f"Task ID: {task.task_id} ({task.schedule['description']})")
        first = task.wait(timeout=60)
        print(f"First result: {first['result']}")
        while task.get_details()["status"] != "completed":
            task.wait(timeout=60)  # the next run
        for run in reversed(task.get_history()):
            print(f"{run['scheduled_for']} {run['run_id']}: {run['status']} -> {run['result']}")


if __name__ == "__main__":
    main()
