"""Every Python snippet of the README and docs/ runs, top to bottom, against a real
``pulse serve`` (with the example agents) and a real ``pulse webhook-handler``.

Each file is one session: its snippets run in order in one namespace, as a reader would paste
them, with ``pulse`` already a client of the server (the README's first snippet makes it
anyway). ``localhost:8000`` and ``localhost:3001`` are replaced by the test's servers. A snippet
that cannot run here is preceded by ``<!-- snippet: skip (reason) -->``; the test lists those.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer, WebhookHandler

ROOT = Path(__file__).parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```python\n(?P<code>.*?)^(?P=indent)```", re.M | re.S)
SKIP = re.compile(r"<!-- snippet: skip \((?P<reason>[^)]+)\) -->\s*$")


@dataclass(frozen=True)
class Snippet:
    document: Path
    line: int
    code: str
    skip_reason: str | None


def snippets(document: Path) -> list[Snippet]:
    text = document.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skipped = SKIP.search(before)
        found.append(
            Snippet(
                document,
                text.count("\n", 0, match.start()) + 1,
                textwrap.dedent(match.group("code")),
                skipped.group("reason") if skipped else None,
            )
        )
    return found


SESSIONS = {doc.name: snippets(doc) for doc in DOCUMENTS if snippets(doc)}


@pytest.fixture(scope="module")
def handler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebhookHandler]:
    started = WebhookHandler(tmp_path_factory.mktemp("results") / "r", secret=None).start()
    yield started
    started.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    """A server per document: each document's session starts from an empty database."""
    srv = PulseServer(
        tmp_path,
        env={"LOCAL_AGENT_PATH": str(ROOT / "examples" / "agents"), "PULSE_RUN_TIMEOUT": "60s"},
    )
    srv.start()
    yield srv
    srv.stop()


def test_the_documents_have_snippets_and_say_why_they_skip_any() -> None:
    assert "README.md" in SESSIONS
    for session in SESSIONS.values():
        for snippet in session:
            if snippet.skip_reason is not None:
                assert len(snippet.skip_reason) > 10, snippet


@pytest.mark.parametrize("document", sorted(SESSIONS))
def test_every_snippet_runs_in_order(
    document: str, server: PulseServer, handler: WebhookHandler
) -> None:
    handler_url = f"http://127.0.0.1:{handler.port}"
    with PulseClient(server_url=server.url) as pulse:
        namespace: dict[str, object] = {"pulse": pulse, "__name__": "snippets"}
        for snippet in SESSIONS[document]:
            if snippet.skip_reason is not None:
                continue
            code = snippet.code.replace("http://localhost:8000", server.url).replace(
                "http://localhost:3001", handler_url
            )
            where = f"{document}:{snippet.line}"
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as exc:
                pytest.fail(f"the snippet at {where} failed: {type(exc).__name__}: {exc}")
        client = namespace["pulse"]
        if client is not pulse and isinstance(client, PulseClient):
            client.close()
