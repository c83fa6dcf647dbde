"""Which ``local`` targets are allowed (``check_target``), without starting any worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from runagent_pulse.common.agent_targets import check_target, is_allowlisted
from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.executors import LocalExecutor


@pytest.fixture
def agents(tmp_path: Path) -> Path:
    (tmp_path / "my_agent.py").write_text("def process(input): return input\n")
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "process.py").write_text("def process(): return 1\n")
    (package / "sub" / "__init__.py").write_text("from .impl import process\n")
    (tmp_path / "nsdir").mkdir()
    (tmp_path / "nsdir" / "mod.py").write_text("def run(): return 1\nprocess = run\n")
    (tmp_path / "notes.txt").write_text("")
    return tmp_path


def executor(paths: list[Path], allowlist: list[str] | None = None) -> LocalExecutor:
    return LocalExecutor(agent_paths=paths, allowlist=allowlist or [], workers=1)


@pytest.mark.parametrize(
    ("agent_id", "expected"),
    [
        ("my_agent", "my_agent.py"),
        ("pkg", "pkg/__init__.py"),
        ("pkg.process", "pkg/process.py"),
        ("pkg.sub", "pkg/sub/__init__.py"),
        ("nsdir.mod", "nsdir/mod.py"),
    ],
)
def test_finds_modules_under_the_agent_path(agents: Path, agent_id: str, expected: str) -> None:
    assert check_target(agent_id, "process", [agents], []) == agents / expected
    executor([agents]).validate_target(agent_id, "process")


def test_first_agent_path_wins(agents: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    (other / "my_agent.py").write_text("async def process(): ...\n")
    assert check_target("my_agent", "process", [other, agents], []) == other / "my_agent.py"


@pytest.mark.parametrize("agent_id", ["subprocess", "os", "os.path", "sys", "runagent_pulse"])
def test_refuses_importable_modules_outside_the_agent_path(agents: Path, agent_id: str) -> None:
    with pytest.raises(InvalidTarget) as info:
        executor([agents]).validate_target(agent_id, "run")
    message = info.value.message
    assert f"module {agent_id!r} is not under LOCAL_AGENT_PATH ({agents})" in message
    assert "PULSE_LOCAL_AGENT_ALLOWLIST" in message
    assert f"put {agent_id.split('.')[0]}.py" in message
    assert info.value.code == "invalid_target"


@pytest.mark.parametrize(
    "agent_id",
    [
        "../x",
        "a..b",
        "a/b",
        "/etc/passwd",
        ".hidden",
        "trailing.",
        "",
        "1abc",
        "my-agent",
        "class",
        "pkg.\u0430",
    ],
)
def test_refuses_names_that_are_not_module_names(agents: Path, agent_id: str) -> None:
    with pytest.raises(InvalidTarget, match="is not a Python module name"):
        executor([agents], ["*", "..*"]).validate_target(agent_id, "process")


@pytest.mark.parametrize(
    "tag", ["", "os.system", "obj.method", "_private", "__class__", "1x", "a b", "def"]
)
def test_refuses_entrypoints_that_are_not_public_identifiers(agents: Path, tag: str) -> None:
    with pytest.raises(InvalidTarget, match="not a public Python identifier"):
        executor([agents]).validate_target("my_agent", tag)


def test_a_file_name_gets_a_hint(agents: Path) -> None:
    with pytest.raises(InvalidTarget, match=r"drop the '\.py'"):
        executor([agents]).validate_target("my_agent.py", "process")


def test_refuses_files_that_are_not_modules(agents: Path) -> None:
    with pytest.raises(InvalidTarget):
        executor([agents]).validate_target("notes", "process")  # notes.txt
    with pytest.raises(InvalidTarget):
        executor([agents]).validate_target("nsdir", "run")  # a directory without __init__.py


def test_everything_is_refused_without_agent_path_or_allowlist() -> None:
    with pytest.raises(InvalidTarget, match="set LOCAL_AGENT_PATH") as info:
        executor([]).validate_target("my_agent", "process")
    assert "my_agent.py" in info.value.message


def test_allowlisted_module_needs_no_file() -> None:
    ex = executor([], ["company_agents.triage", "vendor.*"])
    ex.validate_target("company_agents.triage", "run")
    ex.validate_target("vendor", "run")
    ex.validate_target("vendor.deep.module", "run")
    for refused in ["company_agents", "company_agents.other", "vendorx", "subprocess"]:
        with pytest.raises(InvalidTarget, match="not under LOCAL_AGENT_PATH"):
            ex.validate_target(refused, "run")


@pytest.mark.parametrize(
    ("agent_id", "allowed"),
    [("a", True), ("a.b", False), ("b.c", True), ("b", True), ("bc", False), ("b.c.d", True)],
)
def test_allowlist_patterns(agent_id: str, allowed: bool) -> None:
    assert is_allowlisted(agent_id, ["a", "b.*"]) is allowed


def test_relative_agent_paths_are_made_absolute(
    agents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(agents.parent)
    ex = executor([Path(agents.name)])
    ex.validate_target("my_agent", "process")
    with pytest.raises(InvalidTarget, match=str(agents)):
        ex.validate_target("absent", "process")


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LocalExecutor(agent_paths=[], allowlist=[], workers=0)


AGENT_SOURCE = """
from os import getenv, system
import subprocess
from .helpers import shared_tool
from my_agent.tools import packaged_tool

def process_request(input): ...
class Crew: ...
graph = object()
try:
    from fast import speedy
except ImportError:
    def speedy(): ...
"""


@pytest.mark.parametrize(
    "tag", ["process_request", "Crew", "graph", "speedy", "shared_tool", "packaged_tool"]
)
def test_names_defined_in_the_agent_or_its_package_are_targets(tmp_path: Path, tag: str) -> None:
    (tmp_path / "my_agent.py").write_text(AGENT_SOURCE)
    check_target("my_agent", tag, [tmp_path], [])


@pytest.mark.parametrize(
    ("tag", "source"), [("getenv", "os"), ("system", "os"), ("subprocess", "subprocess")]
)
def test_names_the_agent_only_imports_are_refused(tmp_path: Path, tag: str, source: str) -> None:
    (tmp_path / "my_agent.py").write_text(AGENT_SOURCE)
    with pytest.raises(InvalidTarget, match=f"imported into 'my_agent' from '{source}'"):
        check_target("my_agent", tag, [tmp_path], [])


def test_a_typo_is_refused_at_create_time_with_the_closest_name(tmp_path: Path) -> None:
    (tmp_path / "my_agent.py").write_text(AGENT_SOURCE)
    with pytest.raises(InvalidTarget, match="did you mean 'process_request'"):
        check_target("my_agent", "proces_request", [tmp_path], [])


@pytest.mark.parametrize("source", ["def __getattr__(name): ...\n", "from tools import *\n"])
def test_modules_that_decide_names_at_run_time_are_left_to_the_worker(
    tmp_path: Path, source: str
) -> None:
    (tmp_path / "my_agent.py").write_text(source)
    check_target("my_agent", "anything", [tmp_path], [])


def test_a_module_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    (tmp_path / "my_agent.py").write_text("def process(:\n")
    with pytest.raises(InvalidTarget, match="cannot be read as Python"):
        check_target("my_agent", "process", [tmp_path], [])


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret_tool.py").write_text("def process(): ...\n")
    (folder / "pkg").mkdir()
    (folder / "pkg" / "__init__.py").write_text("def process(): ...\n")
    return folder


@pytest.mark.parametrize(
    ("link", "points_to", "agent_id"),
    [("linked.py", "secret_tool.py", "linked"), ("linkedpkg", "pkg", "linkedpkg")],
    ids=["file", "package-folder"],
)
def test_symlinks_leaving_the_agent_path_are_refused_unless_allowed(
    tmp_path: Path, outside: Path, link: str, points_to: str, agent_id: str
) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / link).symlink_to(outside / points_to)
    with pytest.raises(InvalidTarget, match="PULSE_LOCAL_AGENT_FOLLOW_SYMLINKS"):
        check_target(agent_id, "process", [agents], [])
    assert check_target(agent_id, "process", [agents], [], follow_symlinks=True) is not None


def test_symlinks_inside_the_agent_path_are_fine(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("def process(): ...\n")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.py")
    check_target("alias", "process", [tmp_path], [])
