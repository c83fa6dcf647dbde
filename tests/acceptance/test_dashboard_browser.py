"""The dashboard in a real browser (headless Chromium through Selenium) against a real
``pulse serve`` with an API key: logging in, creating a task through the form with its live
preview and seeing it fire, the buttons, a team run's conversation streaming in, XSS payloads
staying inert, and the layout at a phone's width. ``PULSE_UPDATE_SCREENSHOTS=1`` also writes the
screenshots in docs/images/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer
from tests.support.browser import chromium, require_browser, screenshot, until, viewport

pytestmark = pytest.mark.slow

KEY = "browser-test-key"
PAYLOAD = '"><img src=x onerror="window.__pwned=1;alert(1)">'
SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
TEAM = [
    {"name": "boss", "role": "leader", "module": "team_agents", "entrypoint": "lead_waits"},
    {"name": "researcher", "role": "member", "module": "team_agents", "entrypoint": "research"},
    {"name": "writer", "role": "member", "module": "team_agents", "entrypoint": "write"},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    require_browser()
    data = tmp_path_factory.mktemp("pulse")
    srv = PulseServer(
        data,
        env={
            "PULSE_API_KEY": KEY,
            "TEAM_GATE": str(data / "gate"),
            "PULSE_AGENT_ENV_PASSTHROUGH": "TEAM_GATE",  # agents see only what is passed
        },
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def pulse(server: PulseServer) -> Iterator[PulseClient]:
    with PulseClient(server_url=server.url, api_key=KEY) as client:
        yield client


@pytest.fixture(scope="module")
def driver(server: PulseServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium")) as found:
        yield found


def by(selector: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    return (By.CSS_SELECTOR, selector)


def text_of(driver: Any, selector: str) -> str:
    """The visible text of every element ``selector`` matches, read at once in the page (a live
    update may replace them at any moment)."""
    text: str = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map((e) => e.innerText).join(' ')",
        selector,
    )
    return text


def log_in(driver: Any, server: PulseServer) -> None:
    driver.get(f"{server.url}/ui/tasks")
    if "/ui/login" in driver.current_url:
        driver.find_element(*by("#key")).send_keys(KEY)
        driver.find_element(*by("form button[type=submit]")).click()
        until(driver, lambda d: d.current_url.endswith("/ui/tasks"), "logged in")


def test_log_in_with_the_key(driver: Any, server: PulseServer) -> None:
    driver.delete_all_cookies()
    driver.get(f"{server.url}/ui/runs")
    assert "/ui/login" in driver.current_url
    driver.find_element(*by("#key")).send_keys("not the key")
    driver.find_element(*by("form button[type=submit]")).click()
    until(driver, lambda d: "not this server's API key" in text_of(d, "#key-error"), "refused")
    driver.find_element(*by("#key")).send_keys(KEY)
    driver.find_element(*by("form button[type=submit]")).click()
    until(driver, lambda d: d.current_url.endswith("/ui/runs"), "back on the page asked for")
    assert driver.find_element(*by("h1")).text == "Runs"
    assert driver.get_cookie("pulse_session")["httpOnly"] is True


def _neighbours(pulse: PulseClient) -> None:
    """A few tasks of other kinds beside the one the form creates (for the screenshot)."""
    pulse.schedule_agent(
        "simple_agent",
        "process",
        when="every weekday at 9:30",
        timezone="Europe/Paris",
        params={"input": "standup notes"},
        executor_type="local",
        name="Daily standup digest",
    )
    nightly = pulse.schedule_agent(
        "simple_agent",
        "process",
        when="0 2 * * *",
        timezone="America/New_York",
        params={"input": "reindex"},
        executor_type="local",
        name="Nightly reindex",
    )
    nightly.pause(note="until the migration is done")
    pulse.create_team("marketing", [{**TEAM[0], "entrypoint": "lead"}, *TEAM[1:]])
    pulse.schedule_team(
        "marketing", "Draft the weekly report", when="every monday at 8am", name="Weekly report"
    )


def test_create_a_task_with_the_preview_see_it_fire_and_open_the_run(
    driver: Any, server: PulseServer, pulse: PulseClient
) -> None:
    from selenium.webdriver.support.ui import Select

    _neighbours(pulse)
    log_in(driver, server)
    driver.find_element(*by('nav a[href="/ui/tasks/new"]')).click()
    Select(driver.find_element(*by("#executor_type"))).select_by_value("local")
    driver.find_element(*by("#name")).send_keys("Browser standup")
    driver.find_element(*by("#agent_id")).send_keys("simple_agent")
    driver.find_element(*by("#entrypoint_tag")).send_keys("process")
    when = driver.find_element(*by("#when"))
    when.clear()
    when.send_keys("every weekday at 9:30")
    zone = driver.find_element(*by("#timezone"))
    zone.clear()
    zone.send_keys("Europe/Paris")
    until(
        driver,
        lambda d: (
            "every weekday at 09:30 (Europe/Paris)" in text_of(d, "#preview")
            and len(d.find_elements(*by("#preview li"))) == 5
        ),
        "the preview reads the schedule and lists 5 fires",
    )
    assert "your time" in text_of(driver, "#preview li") or "Europe/Paris" in text_of(
        driver, "#preview li"
    )
    params = driver.find_element(*by("#params"))
    params.clear()
    params.send_keys('{"input": ')
    until(driver, lambda d: "Not valid JSON" in text_of(d, "#params-status"), "JSON checked")
    params.send_keys('"from the browser"}')
    until(driver, lambda d: text_of(d, "#params-status") == "Valid JSON.", "JSON valid")
    assert not driver.find_element(*by("#team-timeout")).is_displayed()
    screenshot(driver, "create-form")

    when.clear()
    when.send_keys("in 2 seconds")
    until(driver, lambda d: "once" in text_of(d, "#preview"), "the preview follows the typing")
    driver.find_element(*by(".form-buttons button[type=submit]")).click()
    until(driver, lambda d: "Created." in text_of(d, ".flash"), "created")
    task_id = driver.current_url.rsplit("/", 1)[1]

    driver.find_element(*by('nav a[href="/ui/tasks"]')).click()
    outcome = f"#task-{task_id} a.outcome"
    until(driver, lambda d: d.find_elements(*by(outcome)), "the run's outcome, without a reload")
    assert "success" in text_of(driver, outcome)
    screenshot(driver, "schedules")
    driver.find_element(*by(outcome)).click()
    until(driver, lambda d: "/ui/runs/run_" in d.current_url, "the run page")
    assert "Processed: from the browser for dev" in text_of(driver, "pre.json")
    assert "success" in text_of(driver, ".status-line")
    screenshot(driver, "run")


def test_pause_resume_trigger_and_cancel_by_clicking(
    driver: Any, server: PulseServer, pulse: PulseClient
) -> None:
    log_in(driver, server)
    task = pulse.schedule_agent("clicks", "run", when="in 1 hour", executor_type="echo")
    driver.get(f"{server.url}/ui/tasks/{task.task_id}")

    driver.find_element(*by(".heading summary.small-button:not(.danger)")).click()
    driver.find_element(*by(".heading input[name=note]")).send_keys("waiting for the launch")
    driver.find_element(*by(".heading .popover button")).click()
    until(driver, lambda d: "Paused." in text_of(d, ".flash"), "paused")
    assert "waiting for the launch" in text_of(driver, ".note")

    driver.find_element(*by('.heading button[name=catch_up][value="1"]')).click()
    until(driver, lambda d: "Resumed; missed fires run now." in text_of(d, ".flash"), "resumed")
    assert task.get_details()["status"] == "active"

    driver.find_element(*by(f'.heading form[action$="/{task.task_id}/trigger"] button')).click()
    until(driver, lambda d: "A run was added" in text_of(d, ".flash"), "triggered")
    until(
        driver, lambda d: "manual" in text_of(d, "[data-run]"), "the manual run in the runs table"
    )

    driver.find_element(*by(".heading summary.danger")).click()
    driver.find_element(*by(".heading .popover button.danger")).click()
    until(driver, lambda d: "Cancelled." in text_of(d, ".flash"), "cancelled")
    assert task.get_details()["status"] == "cancelled"


def test_cancel_a_running_run_from_its_page(
    driver: Any, server: PulseServer, pulse: PulseClient
) -> None:
    log_in(driver, server)
    task = pulse.schedule_agent("slow", "run", params={"sleep": 60}, executor_type="echo")
    runs: list[dict[str, Any]] = []

    def running(_: Any) -> bool:
        runs[:] = task.get_history()
        return bool(runs) and runs[0]["status"] == "running"

    until(driver, running, "the run started")
    driver.get(f"{server.url}/ui/runs/{runs[0]['run_id']}")
    driver.find_element(*by(".status-line ~ form button.danger")).click()
    until(driver, lambda d: "Cancel requested." in text_of(d, ".flash"), "cancel requested")
    until(driver, lambda d: "cancelled" in text_of(d, ".status-line"), "cancelled, live")


def test_a_team_runs_conversation_streams_in_order(
    driver: Any, server: PulseServer, pulse: PulseClient
) -> None:
    log_in(driver, server)
    pulse.create_team("launch-team", TEAM)
    task = pulse.schedule_team("launch-team", "Write the launch announcement")
    found: dict[str, Any] = {}

    def asked_the_researcher(_: Any) -> bool:
        history = task.get_history()
        if not history or history[0]["deployment_id"] is None:
            return False
        found.update(history[0])
        return len(pulse.get_conversation(history[0]["run_id"])["messages"]) == 3

    until(driver, asked_the_researcher, "the leader asked the researcher", bound=60)
    driver.get(f"{server.url}/ui/runs/{found['run_id']}")
    assert len(driver.find_elements(*by(".chat .message"))) == 3
    assert "running" in text_of(driver, ".lifecycle li.current")
    (server.data_dir / "gate").write_text("go")
    until(
        driver,
        lambda d: (
            len(d.find_elements(*by(".chat .message"))) == 6
            and "stopped" in text_of(d, ".lifecycle li.current")
        ),
        "the rest of the conversation streamed in, without a reload",
        bound=60,
    )
    pairs = [
        (m.find_element(*by(".sender")).text, m.find_element(*by(".recipient")).text)
        for m in driver.find_elements(*by(".chat .message"))
    ]
    assert pairs == [
        ("pulse", "boss"),
        ("boss", "researcher"),
        ("researcher", "boss"),
        ("boss", "writer"),
        ("writer", "boss"),
        ("boss", "pulse"),
    ]
    assert "Write the launch announcement" in text_of(driver, ".chat .message")
    assert "success" in text_of(driver, ".status-line")
    assert driver.find_element(*by("[data-live-src]")).get_attribute("data-live-stopped") == (
        "final"
    )
    screenshot(driver, "conversation", scroll_to="#outcome")


def _inert(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert driver.execute_script("return window.__pwned === undefined")
    assert driver.find_elements(*by("img")) == []


def test_xss_payloads_render_as_text(driver: Any, server: PulseServer, pulse: PulseClient) -> None:
    log_in(driver, server)
    task = pulse.schedule_agent(
        "simple_agent",
        "echo",
        params={"input": PAYLOAD, "other": SCRIPT},
        executor_type="local",
        metadata={"name": PAYLOAD},
    )
    pulse.update_task(task.task_id, name=SCRIPT + PAYLOAD)
    result = task.wait(timeout=60)
    pulse.create_team("xss-team", [{**TEAM[0], "entrypoint": "lead_sync"}])
    team_task = pulse.schedule_team("xss-team", PAYLOAD + SCRIPT)
    team_result = team_task.wait(timeout=60)
    assert team_result["status"] == "completed", team_result
    for path in (
        "/ui/tasks",
        f"/ui/tasks/{task.task_id}",
        f"/ui/tasks/{task.task_id}/edit",
        f"/ui/runs/{result['execution_id']}",
        f"/ui/runs/{team_result['execution_id']}",
        "/ui/runs",
    ):
        driver.get(server.url + path)
        until(driver, lambda d: d.execute_script("return document.readyState") == "complete", path)
        _inert(driver)
    driver.get(f"{server.url}/ui/runs/{team_result['execution_id']}")
    assert PAYLOAD + SCRIPT in text_of(driver, ".chat")  # the prompt, as text
    driver.get(f"{server.url}/ui/runs/{result['execution_id']}")
    assert PAYLOAD.replace('"', '\\"') in text_of(driver, "pre.json")


def test_keyboard_and_a_phone_width(driver: Any, server: PulseServer) -> None:
    from selenium.webdriver.common.keys import Keys

    log_in(driver, server)
    driver.get(f"{server.url}/ui/tasks")
    body = driver.find_element(*by("body"))
    body.send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "Skip to content"
    assert skip.value_of_css_property("outline-style") != "none"
    for _ in range(2):
        driver.switch_to.active_element.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.text == "Schedules"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    until(driver, lambda d: d.current_url.endswith("/ui/tasks"), "followed with Enter")
    try:
        viewport(driver, 390, 844, mobile=True)
        for path in ("/ui/tasks", "/ui/tasks/new", "/ui/runs", "/ui/nodes"):
            driver.get(server.url + path)
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        viewport(driver, 1280, 800)


def test_nodes_page(driver: Any, server: PulseServer) -> None:
    log_in(driver, server)
    driver.find_element(*by('nav a[href="/ui/nodes"]')).click()
    assert "alive" in text_of(driver, "#nodes ~ .table-wrap .badge")
    assert "team" in text_of(driver, "#executors ~ .table-wrap")
    screenshot(driver, "nodes")


def test_screenshots_are_1280_by_800() -> None:
    from struct import unpack

    for image in sorted((Path(__file__).resolve().parents[2] / "docs" / "images").glob("*.png")):
        width, height = unpack(">II", image.read_bytes()[16:24])
        assert (width, height) == (1280, 800), image.name
