"""The dashboard's pages on the real app (TestClient): what the schedules and run pages show,
escaping of everything a user or an agent wrote, pagination, filters, and the task form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from tests.integration.ui.support import Dashboard, dashboard, injected
from tests.support.waiting import wait_for

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with dashboard(tmp_path_factory.mktemp("ui")) as found:
        found.login()
        yield found


def page(ui: Dashboard, path: str) -> str:
    response = ui.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.text


def test_the_schedules_page_shows_how_pulse_read_each_task(ui: Dashboard) -> None:
    task = ui.task(name="standup", when="every weekday at 9:30", timezone="Europe/Paris")
    run = ui.api("POST", f"/v1/tasks/{task['task_id']}/trigger")
    ui.settled(task["task_id"])
    text = page(ui, "/ui/tasks")
    row = text[text.index(f'id="task-{task["task_id"]}"') :].split("</tr>")[0]
    assert "every weekday at 09:30 (Europe/Paris)" in row
    assert "echo" in row and "agent" in row
    assert 'data-zone="Europe/Paris"' in row
    assert f'href="/ui/runs/{run["run_id"]}"' in row and "s-success" in row
    assert 'title="runs">1<' in row  # counters: one run
    for action in ("trigger", "pause", "cancel"):
        assert f'action="/ui/tasks/{task["task_id"]}/{action}"' in row
    assert f'href="/ui/tasks/{task["task_id"]}/edit"' in row


def test_user_and_agent_text_is_escaped_everywhere(ui: Dashboard) -> None:
    task = ui.task(
        name=SCRIPT + ATTRIBUTE,
        when="in 1 hour",
        params={"input": ATTRIBUTE, "other": SCRIPT},
        metadata={"note": ATTRIBUTE},
    )
    task_id = task["task_id"]
    run_id = ui.api("POST", f"/v1/tasks/{task_id}/trigger")["run_id"]
    assert ui.settled(task_id)["result"]["input"] == ATTRIBUTE
    ui.api("POST", f"/v1/tasks/{task_id}/pause", json={"note": ATTRIBUTE})
    paths = [
        "/ui/tasks",
        "/ui/live/tasks",
        f"/ui/tasks/{task_id}",
        f"/ui/live/tasks/{task_id}",
        f"/ui/tasks/{task_id}/edit",
        "/ui/runs",
        f"/ui/runs/{run_id}",
        f"/ui/live/runs/{run_id}",
        "/ui/tasks?q=" + SCRIPT,
        "/ui/runs?task=" + SCRIPT,
    ]
    for path in paths:
        text = page(ui, path)
        assert not injected(text), (path, injected(text))
    assert html.escape(SCRIPT) in page(ui, f"/ui/tasks/{task_id}")
    missing = ui.get("/ui/tasks/" + ATTRIBUTE)
    assert missing.status_code == 404 and not injected(missing.text)


def test_a_team_conversation_is_escaped_and_in_order(ui: Dashboard) -> None:
    lead = {"name": "boss", "role": "leader", "module": "team_agents", "entrypoint": "lead"}
    members = [
        {"name": "researcher", "role": "member", "module": "team_agents", "entrypoint": "research"},
        {"name": "writer", "role": "member", "module": "team_agents", "entrypoint": "write"},
    ]
    ui.api("POST", "/v1/teams", json={"name": "escapers", "agents": [lead, *members]})
    task = ui.task(
        agent_id="escapers",
        entrypoint_tag="team",
        executor_type="team",
        params={"prompt": SCRIPT + ATTRIBUTE},
        retry={"max_attempts": 1},
    )
    result = ui.settled(task["task_id"], bound=60)
    assert result["status"] == "completed", result
    run_id = result["execution_id"]
    text = page(ui, f"/ui/runs/{run_id}")
    assert not injected(text), injected(text)
    senders = re.findall(r'class="sender">([^<]+)</span> → <span class="recipient">([^<]+)<', text)
    assert senders == [
        ("pulse", "boss"),
        ("boss", "researcher"),
        ("researcher", "boss"),
        ("boss", "writer"),
        ("writer", "boss"),
        ("boss", "pulse"),
    ]
    assert html.escape(SCRIPT, quote=False) in text
    assert 'aria-current="step">stopped<' in text
    team_page = page(ui, "/ui/teams/escapers")
    assert f'href="/ui/runs/{run_id}"' in team_page


def _ids(text: str) -> list[str]:
    return re.findall(r'data-task="(tsk_[0-9a-f]+)"', text)


def test_pages_walk_every_task_once(ui: Dashboard) -> None:
    created = [ui.task(agent_id="pager", when="in 2 hours")["task_id"] for _ in range(8)]
    seen: list[str] = []
    path: str | None = "/ui/tasks?agent=pager&limit=3"
    pages = 0
    while path is not None:
        text = page(ui, path)
        seen += _ids(text)
        pages += 1
        found = re.search(r'href="([^"]+)" rel="next"', text)
        path = html.unescape(found.group(1)) if found else None
    assert seen == created[::-1]
    assert pages == 3


def test_filters_by_status_executor_agent_and_text(ui: Dashboard) -> None:
    literal = ui.task(agent_id="filt-alpha", name="Filt 100%_done", when="in 3 hours")
    other = ui.task(agent_id="filt-beta", name="filt 100xxdone", when="in 3 hours")
    ui.api("POST", f"/v1/tasks/{other['task_id']}/pause", json={})
    both = {literal["task_id"], other["task_id"]}

    def found(query: str) -> set[str]:
        return set(_ids(page(ui, "/ui/tasks?" + query))) & both

    assert found("q=100%25_") == {literal["task_id"]}  # % and _ are literal
    assert found("q=FILT+100") == both  # any case
    assert found("q=filt-beta") == {other["task_id"]}  # the agent id
    assert found("q=" + other["task_id"]) == {other["task_id"]}
    assert found("status=paused&q=filt") == {other["task_id"]}
    assert found("agent=filt-alpha") == {literal["task_id"]}
    assert found("executor=echo&q=filt") == both
    assert found("executor=local&q=filt") == set()
    assert "Input should be" in page(ui, "/ui/tasks?status=bogus")


def test_the_form_shows_errors_next_to_fields_and_keeps_the_input(ui: Dashboard) -> None:
    fields = {
        "executor_type": "echo",
        "agent_id": "form-agent",
        "entrypoint_tag": "run",
        "when": "every blursday",
        "params": '{"keep": "me"}',
    }
    response = ui.post("/ui/tasks/new", fields)
    assert response.status_code == 422
    assert 'id="when-error"' in response.text
    assert 'value="every blursday"' in response.text
    assert "{&#34;keep&#34;: &#34;me&#34;}" in response.text

    response = ui.post("/ui/tasks/new", {**fields, "when": "now", "params": "{broken"})
    assert response.status_code == 422
    assert 'id="params-error"' in response.text and "not valid JSON" in response.text
    assert ">{broken</textarea>" in response.text

    team = {**fields, "executor_type": "team", "when": "now", "params": '{"prompt": "hi"}'}
    response = ui.post("/ui/tasks/new", team)
    assert response.status_code == 422
    assert 'id="agent_id-error"' in response.text and "names no team" in response.text
    response = ui.post("/ui/tasks/new", {**team, "params": "{}"})
    assert 'id="params-error"' in response.text and "prompt" in response.text


def test_the_preview_button_works_without_script_and_creates_nothing(ui: Dashboard) -> None:
    before = len(ui.api("GET", "/v1/tasks", params={"agent_id": "preview-only"})["items"])
    response = ui.post(
        "/ui/tasks/new",
        {
            "agent_id": "preview-only",
            "when": "every weekday at 9:30",
            "timezone": "Europe/Paris",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    assert "every weekday at 09:30 (Europe/Paris)" in response.text
    assert response.text.count('class="instant"') >= 5
    after = len(ui.api("GET", "/v1/tasks", params={"agent_id": "preview-only"})["items"])
    assert before == after == 0


def test_creating_a_task_through_the_form(ui: Dashboard) -> None:
    response = ui.post(
        "/ui/tasks/new",
        {
            "name": "from the form",
            "executor_type": "echo",
            "agent_id": "form-made",
            "entrypoint_tag": "run",
            "when": "every day at 6pm",
            "timezone": "America/New_York",
            "repeat_times": "3",
            "params": '{"input": "hi"}',
            "timeout": "30m",
            "retry_max_attempts": "2",
            "overlap": "skip",
            "catchup": "all",
        },
    )
    assert response.status_code == 303, response.text
    task_id = response.headers["location"].rsplit("/", 1)[1]
    task = ui.api("GET", f"/v1/tasks/{task_id}")
    assert task["schedule"]["description"].startswith("every day at 18:00")
    assert (task["timezone"], task["max_runs"], task["timeout_seconds"]) == (
        "America/New_York",
        3,
        1800,
    )
    assert (task["retry"]["max_attempts"], task["overlap"], task["catchup"]) == (2, "skip", "all")
    assert task["params"] == {"input": "hi"}
    assert "Created." in page(ui, response.headers["location"])


def test_editing_settings_keeps_the_schedule_and_editing_when_moves_it(ui: Dashboard) -> None:
    task = ui.task(name="before", when="in 1 hour", params={"a": 1})
    task_id = task["task_id"]
    form = page(ui, f"/ui/tasks/{task_id}/edit")
    values = dict(re.findall(r'name="([a-z_]+)" type="[a-z]+" value="([^"]*)"', form))
    values = {k: html.unescape(v) for k, v in values.items()}
    values.update(name="after", params='{"a": 2}')
    response = ui.post(f"/ui/tasks/{task_id}/edit", values)
    assert response.status_code == 303, response.text
    changed = ui.api("GET", f"/v1/tasks/{task_id}")
    assert (changed["name"], changed["params"]) == ("after", {"a": 2})
    assert changed["next_run_at"] == task["next_run_at"]
    response = ui.post(f"/ui/tasks/{task_id}/edit", {**values, "when": "in 3 hours"})
    assert response.status_code == 303
    assert ui.api("GET", f"/v1/tasks/{task_id}")["next_run_at"] > task["next_run_at"]


def test_a_team_task_form_warns_of_the_timeout(ui: Dashboard) -> None:
    text = page(ui, "/ui/tasks/new?executor=team&agent=marketing")
    warning = text[text.index('id="team-timeout"') :].split("</p>")[0]
    assert "1 h" in warning and "SCHEDULE_TIMEOUT" in warning
    assert 'data-schedule-timeout="3600.0"' in text
    assert '<option value="team" selected>' in text


def test_the_preview_json(ui: Dashboard) -> None:
    found = ui.get(
        "/ui/preview", params={"when": "every weekday at 9:30", "timezone": "Europe/Paris"}
    ).json()
    assert found["ok"] and found["description"] == "every weekday at 09:30 (Europe/Paris)"
    assert len(found["fires"]) == 5
    assert all(f["zone_text"].endswith(("CET", "CEST")) for f in found["fires"])
    bad = ui.get("/ui/preview", params={"when": "whenever"}).json()
    assert (bad["ok"], bad["field"]) == (False, "when")
    zone = ui.get("/ui/preview", params={"when": "now", "timezone": "Mars/Olympus"}).json()
    assert (zone["ok"], zone["field"]) == (False, "timezone")


def test_buttons_trigger_pause_resume_cancel(ui: Dashboard) -> None:
    task_id = ui.task(when="in 1 hour")["task_id"]
    back = {"back": f"/ui/tasks/{task_id}"}
    assert ui.post(f"/ui/tasks/{task_id}/trigger", back).status_code == 303
    ui.settled(task_id)
    assert ui.post(f"/ui/tasks/{task_id}/pause", {**back, "note": "holiday"}).status_code == 303
    text = page(ui, f"/ui/tasks/{task_id}")
    assert "Paused." in text and "holiday" in text and "Resume + catch-up" in text
    ui.post(f"/ui/tasks/{task_id}/resume", {**back, "catch_up": "1"})
    assert ui.api("GET", f"/v1/tasks/{task_id}")["status"] == "active"
    ui.post(f"/ui/tasks/{task_id}/cancel", back)
    assert ui.api("GET", f"/v1/tasks/{task_id}")["status"] == "cancelled"
    response = ui.post(f"/ui/tasks/{task_id}/pause", back)
    assert response.status_code == 303
    assert "Cannot pause" in page(ui, f"/ui/tasks/{task_id}")


def test_a_run_page_cancels_a_running_run(ui: Dashboard) -> None:
    task_id = ui.task(params={"sleep": 60})["task_id"]
    runs: list[dict] = []

    def running() -> bool:
        runs[:] = ui.api("GET", f"/v1/tasks/{task_id}/runs")["items"]
        return bool(runs) and runs[0]["status"] == "running"

    wait_for(running, 30, "the run started")
    run_id = runs[0]["run_id"]
    text = page(ui, f"/ui/runs/{run_id}")
    assert f'action="/ui/runs/{run_id}/cancel"' in text
    assert "data-live-final" not in text
    ui.post(f"/ui/runs/{run_id}/cancel", {"back": f"/ui/runs/{run_id}"})
    wait_for(lambda: ui.api("GET", f"/v1/runs/{run_id}")["status"] == "cancelled", 30, "cancel")
    assert "data-live-final" in page(ui, f"/ui/live/runs/{run_id}")


def test_nodes_and_executors_at_a_glance(ui: Dashboard) -> None:
    text = page(ui, "/ui/nodes")
    assert "s-alive" in text
    assert ">echo<" in text and ">team<" in text
    assert "SCHEDULE_TIMEOUT" in text
